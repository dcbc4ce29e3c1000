// Validates Grafana dashboard JSON files against a JSON Schema generated (by ci-checks.sh, with
// ts-json-schema-generator) from the Dashboard type of the npm package @grafana/schema.
// Usage: node validate-dashboard.cjs <toolsDir> <schema.json> <dashboard.json>...
// Exits 1 and prints file, JSON path and reason for every violation.
const path = require('path');
const fs = require('fs');
const toolsDir = path.resolve(process.argv[2]);
const Ajv = require(path.join(toolsDir, 'node_modules/ajv')).default;
const addFormats = require(path.join(toolsDir, 'node_modules/ajv-formats'));
const schema = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
// The one relaxation of the generated schema: @grafana/schema types an annotation's target as the
// built-in Grafana target only (its own comment: "TODO.. this should just be a normal query
// target"). A Prometheus annotation stores a datasource query there, like a panel target (an open
// object with a refId). Everything else stays as generated, additionalProperties false included.
schema.definitions.AnnotationQuery.properties.target = {
  anyOf: [
    { $ref: '#/definitions/AnnotationTarget' },
    { type: 'object', required: ['refId'], properties: { refId: { type: 'string' } } },
  ],
};
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(schema);
let failed = false;
for (const file of process.argv.slice(4)) {
  let dashboard;
  try {
    dashboard = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    console.error(`${file}: not JSON: ${e.message}`);
    failed = true;
    continue;
  }
  if (validate(dashboard)) {
    console.log(`${file}: valid against @grafana/schema Dashboard`);
    continue;
  }
  failed = true;
  // anyOf over Panel|RowPanel reports each branch; keep the messages short and unique
  const seen = new Set();
  for (const err of validate.errors) {
    const line = `${file}: ${err.instancePath || '/'} ${err.message}` +
      (err.params && err.params.additionalProperty ? ` '${err.params.additionalProperty}'` : '');
    if (!seen.has(line)) { seen.add(line); console.error(line); }
  }
}
process.exit(failed ? 1 : 0);
