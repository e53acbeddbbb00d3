// The Swarm adapter's public face: the Docker Swarm implementation of the runtime port.
export { SwarmRuntime, engineHost, type SwarmRuntimeOptions } from './swarm-runtime.js';
export { checkSwarmSupport, swarmServiceSpec, type PublishMode } from './swarm-spec.js';
