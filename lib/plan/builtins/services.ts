// The service builtins of the plan module: add_service, add_services, get_service,
// get_services, set_service, remove_service, start_service, stop_service, and
// get_cluster_type (what the services run on).
import { Dict, List, fail, fromUtf8, repr, toUnicode, typeName, withDefault } from '../../starlark/index.js';
import type { ServiceConfigJson } from '../../instructions/index.js';
import { isKurtosis, mergeServiceConfig } from '../types/index.js';
import { SERVICE_CONFIG, bool, description, dict, failText, nonEmptyText, text, within, type Def, type PlanBuilder } from './common.js';

export function defineServiceBuiltins(b: PlanBuilder, def: Def): void {
  const recorder = b.recorder;
  // force_update then description, both positional (KI/add_service: ForceUpdateArgName is
  // the last declared argument; the framework appends description after it).
  def('add_service', { name: nonEmptyText, config: SERVICE_CONFIG, force_update: withDefault(bool, false), description }, (a, ctx) => {
    const config = b.serviceConfig('add_service', a.config, ctx.thread);
    return b.addService('add_service', a.name, config, a.description, a.force_update, ctx.thread);
  });

  def('add_services', { configs: dict, force_update: withDefault(bool, false), description }, (a, ctx) => {
    const entries: [string, ServiceConfigJson][] = [];
    for (const [k, v] of a.configs.items()) {
      if (typeof k !== 'string' || k.length === 0) fail(`add_services: configs: key ${repr(k)} must be a non-empty string (a service name)`);
      if (!isKurtosis(v, 'ServiceConfig')) fail(`add_services: configs: the value for ${repr(k)} is ${typeName(v)}, want ServiceConfig`);
      entries.push([toUnicode(k), b.serviceConfig('add_services', v, ctx.thread)]);
    }
    const out = new Dict();
    for (const [name, config] of entries) {
      out.setUnchecked(fromUtf8(name), b.addService('add_services', name, config, a.description, a.force_update, ctx.thread));
    }
    return out;
  });

  def('get_service', { name: nonEmptyText, description }, (a, ctx) => {
    const service = recorder.serviceValue(a.name);
    if (service === undefined) {
      failText(`get_service: An error occurred while fetching service '${a.name}' from the store: no service of that name was added before this point`);
    }
    b.record('get_service', { name: a.name }, ctx.thread, { description: a.description ?? `Fetching service '${a.name}'`, services: [a.name] });
    return service;
  });

  def('get_services', { description }, (a, ctx) => {
    const names = [...recorder.services.keys()];
    b.record('get_services', {}, ctx.thread, { description: a.description ?? 'Fetching services', services: names });
    return new List(names.map((n) => recorder.serviceValue(n)!));
  });

  def('set_service', { name: nonEmptyText, config: SERVICE_CONFIG, description }, (a, ctx) => {
    const stored = recorder.services.get(a.name);
    if (stored === undefined) {
      failText(`set_service: service '${a.name}' does not exist: no service of that name was added before this point`);
    }
    const update = b.serviceConfig('set_service', a.config, ctx.thread);
    b.checkPrivileged('set_service', update);
    const merged = within('set_service', () => mergeServiceConfig(stored.config, a.config, update));
    b.record('set_service', { name: a.name, config: update }, ctx.thread, {
      description: a.description ?? `Setting config of service '${a.name}'`,
      services: [a.name],
    });
    const add = recorder.instruction(stored.stepId);
    if (add !== undefined && add.kind === 'add_service') recorder.amend(add.id, { ...add.args, config: merged });
    recorder.putService(a.name, stored.stepId, merged, stored.seeded);
    return null;
  });

  def('remove_service', { name: text, description }, (a, ctx) => {
    b.record('remove_service', { name: a.name }, ctx.thread, {
      description: a.description ?? `Removing service '${a.name}'`,
      services: [a.name],
    });
    recorder.forgetService(a.name);
    return null;
  });

  for (const [kind, verb] of [
    ['start_service', 'Starting'],
    ['stop_service', 'Stopping'],
  ] as const) {
    def(kind, { name: text, description }, (a, ctx) => {
      b.record(kind, { name: a.name }, ctx.thread, { description: a.description ?? `${verb} service '${a.name}'`, services: [a.name] });
      return null;
    });
  }

  def('get_cluster_type', { description }, (a, ctx) => {
    b.record('get_cluster_type', {}, ctx.thread, { description: a.description ?? 'Getting the cluster type' });
    return b.options.clusterType ?? 'docker';
  });
}
