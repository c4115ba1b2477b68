// Messages inside the editor speak the editor's language: a core hint that
// names a `cfpush …` command line becomes the editor command (or the place
// in the tree) that does the same, and a push flag becomes its manifest key.
// No vscode import: a unit test runs it in node.

/** cfpush subcommand → what does it in the editor. */
const COMMANDS: Record<string, string> = {
  push: '**CF: Push**',
  restage: '**CF: Restage**',
  apps: 'the Cloud Foundry view',
  routes: "the space's Routes folder in the Cloud Foundry view",
  target: '**CF: Select Target, Org and Space**',
  login: '**CF: Log In**',
  logout: '**CF: Sign Out**',
  logs: '**CF: Show Logs**',
  start: '**CF: Start App**',
  stop: '**CF: Stop App**',
  restart: '**CF: Restart App**',
  scale: '**CF: Scale App**',
  delete: '**Delete App** on the app in the Cloud Foundry view',
  detect: '**CF: Detect Buildpack**',
  stage: '**CF: Detect Buildpack** (and the push output)',
  export: '**CF: Export as Image**',
  swap: '**CF: Swap Routes**',
  'swap-back': '**Swap Back to Previous Version** on the app',
  traffic: '**CF: Show Traffic**',
  tasks: "the app's Tasks folder in the Cloud Foundry view",
  'run-task': '**Run Task** on the app in the Cloud Foundry view',
  services: "the space's Services folder in the Cloud Foundry view",
  cups: "**Create User-Provided Service** on the space's Services folder",
  env: "the app's Environment folder in the Cloud Foundry view",
  'set-env': "the app's Environment folder in the Cloud Foundry view",
  ssh: '**Open SSH Terminal** on the app',
  'map-route': '**Map Route** on the app',
  'continue-deployment': '**CF: Continue Deployment**',
  'cancel-deployment': '**CF: Cancel Deployment**',
  'foundation start': '**CF: Start Local Foundation**',
  'foundation stop': '**CF: Stop Local Foundation**',
};

/** cf push flag → the manifest key (or setting) that says the same. */
const FLAGS: Record<string, string> = {
  '-u': 'health-check-type',
  '--health-check-type': 'health-check-type',
  '-m': 'memory',
  '-k': 'disk_quota',
  '-i': 'instances',
  '-b': 'buildpacks',
  '-t': 'timeout',
  '-c': 'command',
  '-s': 'stack',
  '--endpoint': 'health-check-http-endpoint',
  '--no-route': 'no-route: true',
  '--random-route': 'random-route: true',
  '-o': 'docker: image',
};

function commandText(line: string): string {
  const m = /^cfpush\s+(.*)$/.exec(line.trim());
  if (!m) return `\`${line}\``;
  const words = m[1]!.split(/\s+/);
  const two = `${words[0]} ${words[1] ?? ''}`.trim();
  if (words[0] === 'push') {
    const strategy = /--strategy\s+([\w-]+)/.exec(m[1]!);
    if (strategy) return `**CF: Push** with the setting \`cfpush.push.strategy\` set to \`${strategy[1]}\``;
  }
  return COMMANDS[two] ?? COMMANDS[words[0]!] ?? 'the matching CF command (palette: CF:)';
}

export function editorHint(text: string): string {
  return text
    .replace(/`(cfpush [^`]*)`/g, (_, line: string) => line.split('&&').map(commandText).join(', then '))
    .replace(/`(-{1,2}[\w-]+)(?:[ =]([^`]+))?`/g, (whole, flag: string, value?: string) => {
      const key = FLAGS[flag];
      if (!key) return whole;
      return key.includes(':') ? `\`${key}\` in manifest.yml` : `\`${key}: ${value ?? '…'}\` in manifest.yml`;
    });
}
