// A broker catalog is checked as CC checks it: every problem at once, each
// naming the service (and plan) it is about.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogProblems } from '../../src/foundation/osbapi/catalog';

test('a good catalog has no problems; a bad one lists each, where it is', () => {
  const plan = (id: string, name: string) => ({ id, name, description: 'd' });
  assert.deepEqual(catalogProblems({ services: [{ id: 's', name: 'db', description: 'd', bindable: true, plans: [plan('p', 'small')] }] }), []);
  assert.deepEqual(catalogProblems({}), ['Catalog must have a services list']);
  assert.deepEqual(
    catalogProblems({
      services: [
        { id: 's', name: 'db', description: 'd', bindable: true, plans: [plan('p', 'small'), plan('p', 'small'), { id: 7, name: 'x', free: 'yes' }] },
        { id: 's', name: 'db', bindable: 'no', tags: [1], plans: [] },
      ],
    }),
    [
      'Service db, Plan small: Plan ids must be unique',
      'Service db, Plan small: Plan names must be unique within a service',
      'Service db, Plan x: Plan id must be a string, but has value 7',
      'Service db, Plan x: Plan description is required',
      'Service db, Plan x: Plan free must be a boolean',
      'Service db: Service ids must be unique',
      'Service db: Service names must be unique within a broker',
      'Service db: Service description is required',
      'Service db: Service "bindable" field must be a boolean, but has value "no"',
      'Service db: Service tags must be an array of strings',
      'Service db: At least one plan is required',
    ],
  );
});
