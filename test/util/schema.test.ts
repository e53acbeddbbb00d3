import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import { PACKAGE_ROOT } from '../../lib/util/package-info.js';
import { pointerToPath, schemaValidator } from '../../lib/util/schema.js';

describe('util/schema', () => {
  it('finds every schema in schemas/ valid against the JSON Schema 2020-12 meta-schema', () => {
    const ajv = new Ajv2020Module.default({ strict: true, allowUnionTypes: true });
    const dir = join(PACKAGE_ROOT, 'schemas');
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
      const schema = JSON.parse(readFileSync(join(dir, name), 'utf8')) as object;
      assert.equal(ajv.validateSchema(schema), true, `${name}: ${ajv.errorsText(ajv.errors)}`);
      assert.doesNotThrow(() => schemaValidator(name), name);
    }
  });

  it('renders JSON pointers as paths people write', () => {
    assert.equal(pointerToPath(''), '');
    assert.equal(pointerToPath('/services/db/ports/0'), 'services.db.ports[0]');
    assert.equal(pointerToPath('/runtime_values/service.db.ip'), 'runtime_values["service.db.ip"]');
    assert.equal(pointerToPath('/a~1b/c~0d'), '["a/b"]["c~d"]');
  });

  it('reports every problem in plain words', () => {
    const problems = schemaValidator('state.schema.json')({ format_version: 1, serial: 0, extra: true });
    assert.ok(problems.includes('unknown property "extra"'), problems.join('\n'));
    assert.ok(problems.includes('missing property "lineage"'), problems.join('\n'));
    assert.ok(problems.includes('serial: must be >= 1'), problems.join('\n'));
  });
});
