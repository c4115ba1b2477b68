// manifest.yml language support in a real editor: diagnostics as you type
// (range + message), completion of keys and values, hovers.
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { screenshot, test } from './harness';
import { api, waitFor, ws } from './util';

let doc: vscode.TextDocument;

test('diagnostics on a broken manifest: exact range and message, updated as you type', async () => {
  const dir = join(ws(), 'lang');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'manifest.yml');
  writeFileSync(file, 'applications:\n- name: lang\n  memory: lots\n  instances: 1\n');
  doc = await vscode.workspace.openTextDocument(file);
  await vscode.window.showTextDocument(doc);
  const diags = await waitFor('a diagnostic on memory', () => {
    const d = vscode.languages.getDiagnostics(doc.uri);
    return d.length ? d : undefined;
  });
  const mem = diags.find((d) => d.range.start.line === 2);
  assert.ok(mem, JSON.stringify(diags));
  assert.equal(mem.severity, vscode.DiagnosticSeverity.Error);
  assert.equal(doc.getText(mem.range), 'lots', `range ${JSON.stringify(mem.range)}`);
  assert.match(mem.message, /memory/i);
  assert.equal(mem.source, 'cf manifest');

  // Typing a fix clears it; typing a new mistake shows it (no save needed).
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, mem.range, '512M');
  await vscode.workspace.applyEdit(edit);
  await waitFor('the memory diagnostic to go', () => vscode.languages.getDiagnostics(doc.uri).length === 0);
  const edit2 = new vscode.WorkspaceEdit();
  edit2.replace(doc.uri, new vscode.Range(3, 13, 3, 14), '-2');
  await vscode.workspace.applyEdit(edit2);
  const [inst] = await waitFor('an instances diagnostic', () => {
    const d = vscode.languages.getDiagnostics(doc.uri);
    return d.length ? d : undefined;
  });
  assert.equal(inst!.range.start.line, 3);
  assert.equal(doc.getText(inst!.range), '-2');
  assert.match(inst!.message, /instances/i);
  await screenshot('manifest-diagnostics');
});

test('alias-bomb, deep and oversize manifests: a diagnostic naming the limit, and the editor keeps answering', async () => {
  const dir = join(ws(), 'lang-limits');
  mkdirSync(dir, { recursive: true });
  const let9 = 'abcdefghi';
  let bomb = 'x: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  for (let i = 1; i < 9; i++)
    bomb += `${let9[i]}: &${let9[i]} [${Array(9)
      .fill(`*${let9[i - 1]}`)
      .join(',')}]\n`;
  bomb += 'applications:\n- name: bomb\n  env:\n    X: *i\n';
  const cases: [string, string, RegExp][] = [
    ['bomb', bomb, /more than 50000 nodes/],
    ['deep', `applications:\n- name: a\n  env:\n    X: ${'['.repeat(3000)}${']'.repeat(3000)}\n`, /more than 64 levels deep/],
    ['huge', `applications:\n- name: a\n  env:\n    X: "${'x'.repeat(1100 * 1024)}"\n`, /limited to 1 MiB/],
  ];
  for (const [name, text, pattern] of cases) {
    mkdirSync(join(dir, name), { recursive: true });
    const file = join(dir, name, 'manifest.yml');
    writeFileSync(file, text);
    const d = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(d);
    const [diag] = await waitFor(`the ${name} diagnostic`, () => {
      const ds = vscode.languages.getDiagnostics(d.uri);
      return ds.length ? ds : undefined;
    });
    assert.match(diag!.message, pattern, name);
    assert.equal(diag!.message.split('\n').length, 2, `${name}: message and hint: ${diag!.message}`);
    // Typing into it re-validates at once and the extension host still answers other requests.
    const edit = new vscode.WorkspaceEdit();
    edit.insert(d.uri, new vscode.Position(0, 0), '# edited\n');
    await vscode.workspace.applyEdit(edit);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', d.uri, new vscode.Position(1, 1));
    assert.ok(Array.isArray(hovers), name);
    await waitFor(`the ${name} diagnostic after an edit`, () => vscode.languages.getDiagnostics(d.uri).find((x) => pattern.test(x.message)));
  }
  await screenshot('manifest-limit-diagnostic');
  await vscode.window.showTextDocument(doc);
});

async function complete(text: string, line: number, character: number): Promise<string[]> {
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, new vscode.Range(0, 0, doc.lineCount, 0), text);
  await vscode.workspace.applyEdit(edit);
  const list = await vscode.commands.executeCommand<vscode.CompletionList>(
    'vscode.executeCompletionItemProvider',
    doc.uri,
    new vscode.Position(line, character),
  );
  return list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
}

test("completion: keys by scope, and values (buildpacks, enums, routes on the target's domains)", async () => {
  const appKeys = await complete('applications:\n- name: lang\n  \n', 2, 2);
  for (const k of ['memory', 'buildpacks', 'routes', 'instances', 'health-check-type'])
    assert.ok(appKeys.includes(k), `app keys lack ${k}: ${appKeys.join(', ')}`);
  assert.ok(!appKeys.includes('applications'), 'top-level key offered inside an app');

  const topKeys = await complete('\n', 0, 0);
  assert.ok(topKeys.includes('applications'), topKeys.join(', '));

  const processKeys = await complete('applications:\n- name: lang\n  processes:\n  - type: web\n    \n', 4, 4);
  assert.ok(processKeys.includes('instances') && !processKeys.includes('routes'), processKeys.join(', '));

  const bps = await complete('applications:\n- name: lang\n  buildpacks:\n  - \n', 3, 4);
  assert.ok(bps.includes('nodejs_buildpack'), `buildpacks: ${bps.join(', ')}`);

  const hc = await complete('applications:\n- name: lang\n  health-check-type: \n', 2, 21);
  assert.deepEqual(hc.filter((x) => ['port', 'process', 'http'].includes(x)).sort(), ['http', 'port', 'process']);

  const routes = await complete('applications:\n- name: lang\n  routes:\n  - route: \n', 3, 11);
  assert.ok(routes.includes('lang.localhost'), `routes: ${routes.join(', ')}`);
});

test('hover explains a key', async () => {
  await complete('applications:\n- name: lang\n  health-check-type: http\n', 0, 0);
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(2, 5));
  const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
  assert.match(text, /\*\*health-check-type\*\*.*liveness/s);
  assert.match(text, /port.*process.*http/);
  await doc.save();
  await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  const a = await api();
  assert.ok(a.ctx.manifests);
});

/** The preferred quick fix the editor offers on a diagnostic, applied as the lightbulb would. */
async function applyQuickFix(d: vscode.TextDocument, diag: vscode.Diagnostic): Promise<string> {
  const actions = await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>('vscode.executeCodeActionProvider', d.uri, diag.range);
  const fixes = actions.filter((a): a is vscode.CodeAction => 'kind' in a && !!a.kind && vscode.CodeActionKind.QuickFix.contains(a.kind) && !!a.isPreferred);
  assert.equal(fixes.length, 1, `one preferred quick fix for "${diag.message}": ${actions.map((a) => a.title).join(', ')}`);
  assert.ok(await vscode.workspace.applyEdit(fixes[0]!.edit!), fixes[0]!.title);
  return fixes[0]!.title;
}

test('quick fixes: did you mean, units, buildpack: → buildpacks:; a syntax error hides nothing else', async () => {
  const dir = join(ws(), 'lang-fixes');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'manifest.yml');
  writeFileSync(
    file,
    'applications:\n- name: fixes\n  instanses: 2\n  memory: 256\n  buildpack: nodejs_buildpack\n- name: other\n  buildpacks: []\n  disk_quota: 1G: 2G\n',
  );
  const d = await vscode.workspace.openTextDocument(file);
  await vscode.window.showTextDocument(d);
  const diags = await waitFor('all five diagnostics', () => {
    const ds = vscode.languages.getDiagnostics(d.uri);
    return ds.length === 5 ? ds : undefined;
  });
  const at = (line: number) => diags.find((x) => x.range.start.line === line)!;
  assert.match(at(2).message, /Unknown key 'instanses'.*Did you mean 'instances'\?/);
  assert.equal(d.getText(at(2).range), 'instanses');
  assert.match(at(3).message, /Memory must use a supported unit[^]*Write 256M/);
  assert.match(at(4).message, /'buildpack' attribute .* deprecated/);
  assert.match(at(6).message, /Buildpacks is an empty list/);
  assert.equal(at(6).severity, vscode.DiagnosticSeverity.Warning);
  assert.match(at(7).message, /not valid yaml\. Nested mappings are not allowed in compact mappings/);
  assert.equal(at(7).range.start.character, 14); // `1G`, which YAML reads as a nested key
  // No fix where there is no obvious one.
  const none = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', d.uri, at(6).range);
  assert.deepEqual(
    none.map((a) => a.title),
    [],
  );

  for (const [pattern, title] of [
    [/instanses/, "Change to 'instances'"],
    [/Memory must use/, 'Change to 256M'],
    [/'buildpack' attribute/, "Change to 'buildpacks:' listing nodejs_buildpack"],
  ] as const) {
    const diag = vscode.languages.getDiagnostics(d.uri).find((x) => pattern.test(x.message));
    assert.ok(diag, `${pattern} before its fix`);
    assert.equal(await applyQuickFix(d, diag), title);
    await waitFor(`${pattern} to go`, () => !vscode.languages.getDiagnostics(d.uri).some((x) => pattern.test(x.message)));
  }
  assert.equal(
    d.getText(),
    'applications:\n- name: fixes\n  instances: 2\n  memory: 256M\n  buildpacks:\n  - nodejs_buildpack\n- name: other\n  buildpacks: []\n  disk_quota: 1G: 2G\n',
  );
  // Mending the syntax error leaves the one warning.
  const edit = new vscode.WorkspaceEdit();
  edit.replace(d.uri, new vscode.Range(8, 16, 8, 20), '');
  await vscode.workspace.applyEdit(edit);
  const [left] = await waitFor('only the buildpacks warning', () => {
    const ds = vscode.languages.getDiagnostics(d.uri);
    return ds.length === 1 ? ds : undefined;
  });
  assert.match(left!.message, /Buildpacks is an empty list/);
  await screenshot('manifest-quick-fixes');
  await d.save();
  await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
});
