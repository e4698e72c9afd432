// Reads the workflow of docs/ci.md (the yaml block after its "workflow"
// comment) with the yaml package, checks that every build job keeps its
// debug information as an artifact and that the publish job verifies and
// uploads before it publishes, then runs the publish job's `run:` steps in
// order, as GitHub's runner would (bash -eo pipefail, the workflow's, the
// job's and the step's env), in WORKSPACE, where the test has laid out what
// the `uses:` steps would have left. Expressions `${{ ... }}` are replaced
// from the JSON object in NSYM_CI_VALUES; any other is an error.
//
// Usage: NODE_PATH=DIR node ci-test.js DOC WORKSPACE
'use strict';

const fs = require('fs');
const { spawnSync } = require('child_process');
const YAML = require('yaml');

const [doc, workspace] = process.argv.slice(2);
const values = JSON.parse(process.env.NSYM_CI_VALUES || '{}');

function fail(message) {
  process.stderr.write(`FAIL [ci]: ${message}\n`);
  process.exit(1);
}

const text = fs.readFileSync(doc, 'utf8');
const block = /<!-- workflow[^>]*-->\s*```yaml\n([\s\S]*?)\n```/.exec(text);
if (!block) fail(`${doc}: no yaml block after the workflow comment`);
const workflow = YAML.parse(block[1]);

const expand = (s, where) =>
  String(s).replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_, expr) => {
    if (!(expr in values)) fail(`${where}: no value for \${{ ${expr} }}`);
    return values[expr];
  });

// the build jobs: a debug artifact for each platform, beside the bindings
const build = workflow.jobs.build;
const targets = build.strategy.matrix.settings.map((s) => s.target);
for (const want of ['linux', 'apple', 'windows']) {
  if (!targets.some((t) => t.includes(want))) fail(`no ${want} target in the build matrix`);
}
const debugStep = build.steps.find((s) => s.uses && s.uses.startsWith('actions/upload-artifact') &&
  String(s.with.name).startsWith('debug-'));
if (!debugStep) fail('no build step uploads a debug-TARGET artifact');
for (const kind of ['.node.debug', '.node.dSYM', '.pdb']) {
  if (!debugStep.with.path.includes(kind)) fail(`the debug artifact keeps no ${kind}`);
}
if (!build.steps.some((s) => s.run && /npx napi-symbols split/.test(s.run))) fail('no split in the build job');

// the publish job: verify and upload before npm publish, the token from a secret
const publish = workflow.jobs.publish;
if (publish['runs-on'] !== 'ubuntu-latest') fail('the publish job does not run on Linux');
const steps = publish.steps;
const at = (re) => steps.findIndex((s) => s.run && re.test(s.run));
const verify = at(/npx napi-symbols verify/);
const upload = at(/npx napi-symbols upload/);
const npmPublish = at(/npm publish/);
if (verify < 0 || upload < 0 || npmPublish < 0) fail('publish: verify, upload or npm publish missing');
if (!(verify < upload && upload < npmPublish)) fail('publish: not verify, then upload, then npm publish');
if (!/secrets\.NAPI_SYMBOLS_TOKEN/.test(String(steps[upload].env && steps[upload].env.NAPI_SYMBOLS_TOKEN))) {
  fail('publish: the upload token does not come from a secret');
}
const download = steps.find((s) => s.uses && s.uses.startsWith('actions/download-artifact'));
if (!download || download.with.path !== 'artifacts') fail('publish: artifacts are not downloaded into artifacts/');

const baseEnv = Object.assign({}, process.env);
for (const [k, v] of Object.entries(Object.assign({}, workflow.env, publish.env))) baseEnv[k] = expand(v, k);
for (const step of steps) {
  const name = step.name || step.uses || step.run.split('\n')[0];
  if (!step.run) {
    process.stdout.write(`skip [ci]: ${name} (uses: laid out by the test)\n`);
    continue;
  }
  const env = Object.assign({}, baseEnv);
  for (const [k, v] of Object.entries(step.env || {})) env[k] = expand(v, `${name}: ${k}`);
  const script = expand(step.run, name);
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
    cwd: workspace,
    env,
    encoding: 'utf8',
  });
  if (r.status !== 0) fail(`step "${name}" exited ${r.status}:\n${r.stdout}${r.stderr}`);
  process.stdout.write(`ok [ci]: ${name}\n`);
}
