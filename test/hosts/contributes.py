#!/usr/bin/env python3
"""Rewrites only `contributes` and `activationEvents` of package.json (the
extension's share of the file); every other key is left as it is.
Run: python3 test/hosts/contributes.py"""
import json, pathlib, sys

PKG = pathlib.Path(__file__).resolve().parents[2] / 'package.json'

VIEW = 'view == cfpush.targets'
APP = VIEW + r" && viewItem =~ /^app\./"
def app_with(fact): return VIEW + r" && viewItem =~ /^app\..*\b" + fact + r"\b/"
MANIFEST = r"resourceFilename =~ /manifest.*\.ya?ml$/"
MANIFEST_OR_FOLDER = MANIFEST + " || explorerResourceIsFolder"
DROPLET_FILE = r"resourceFilename =~ /\.(tgz|tar\.gz)$/"

# (id, title, icon, palette `when`: None = never in the palette, True = always). Every
# command gets a commandPalette entry (issue 18: `when` clauses on every command); True
# is written as the clause "true", so "always" is a decision on record, not an omission.
HAS_FOLDER = 'workspaceFolderCount > 0'
# Commands that pick an app themselves stay in the palette: the tree may not have been opened to know there are apps.
HAS_APPS = True
# Set by the extension (src/vscode/ctx.ts, tree/nodes.ts): a remote target is signed in (the tree drew it so,
# a login, a session opened); the local foundation's daemon is alive (foundation.json names a live pid).
SIGNED_IN = 'cfpush.signedIn'
FOUNDATION_RUNNING = 'cfpush.foundationRunning'
commands = [
    ('cfpush.push', 'Push', '$(cloud-upload)', HAS_FOLDER),
    ('cfpush.pushBlueGreen', 'Push (Blue-Green)', '$(arrow-swap)', HAS_FOLDER),
    ('cfpush.restage', 'Restage…', '$(sync)', HAS_APPS),
    ('cfpush.restageUpdate', 'Restage to Pick Up the Update', '$(sync)', None),
    ('cfpush.restageOutdated', 'Restage All Outdated Apps', '$(sync)', None),
    ('cfpush.swapRoutes', 'Swap Routes', '$(arrow-swap)', HAS_APPS),
    ('cfpush.swapBack', 'Undo Swap', '$(discard)', None),
    ('cfpush.undoRouteChange', 'Undo Route Change', '$(discard)', 'cfpush.canUndoRoutes'),
    ('cfpush.routeHistory', 'Route History…', '$(history)', 'cfpush.canUndoRoutes'),
    ('cfpush.swapBackVersion', 'Swap Back to Previous Version', '$(history)', 'cfpush.previousVersion'),
    ('cfpush.continueDeployment', 'Continue Deployment', '$(debug-continue)', 'cfpush.deploymentPaused'),
    ('cfpush.cancelDeployment', 'Cancel Deployment', '$(debug-step-back)', 'cfpush.deploymentActive'),
    ('cfpush.startApp', 'Start App', '$(debug-start)', HAS_APPS),
    ('cfpush.stopApp', 'Stop App', '$(debug-stop)', HAS_APPS),
    ('cfpush.restartApp', 'Restart App', '$(debug-restart)', HAS_APPS),
    ('cfpush.scaleApp', 'Scale App…', '$(settings-gear)', HAS_APPS),
    ('cfpush.deleteApp', 'Delete App…', '$(trash)', None),
    ('cfpush.showLogs', 'Show Logs', '$(output)', HAS_APPS),
    ('cfpush.stopLogs', 'Stop Logs', '$(debug-pause)', None),
    ('cfpush.openRoute', 'Open in Browser', '$(link-external)', None),
    ('cfpush.mapRoute', 'Map Route…', '$(link)', None),
    ('cfpush.unmapRoute', 'Unmap Route', '$(debug-disconnect)', None),
    ('cfpush.refresh', 'Refresh', '$(refresh)', 'view.cfpush.targets.visible'),
    ('cfpush.selectTarget', 'Select Target, Org and Space', '$(cloud)', True),
    ('cfpush.login', 'Log In', '$(sign-in)', True),
    ('cfpush.logout', 'Sign Out', '$(sign-out)', SIGNED_IN),
    ('cfpush.startFoundation', 'Start Local Foundation', '$(play)', '!' + FOUNDATION_RUNNING),
    ('cfpush.stopFoundation', 'Stop Local Foundation', '$(debug-stop)', FOUNDATION_RUNNING),
    ('cfpush.showOutput', 'Show Output', '$(output)', True),
    ('cfpush.detect', 'Detect Buildpack', '$(search)', HAS_FOLDER),
    ('cfpush.toggleWatch', 'Toggle Watch Mode (Re-Push on Save)', '$(eye)', HAS_FOLDER),
    ('cfpush.showTraffic', 'Show Traffic', '$(pulse)', HAS_APPS),
    ('cfpush.exportImage', 'Export as Image', '$(package)', HAS_APPS),
    ('cfpush.runTask', 'Run Task…', '$(play)', None),
    ('cfpush.terminateTask', 'Terminate Task', '$(debug-stop)', None),
    ('cfpush.openSshTerminal', 'Open SSH Terminal', '$(terminal)', None),
    # Picks an app (and target) itself when run from the palette, as the launch configuration does.
    ('cfpush.debugApp', 'Debug App', '$(debug-alt)', HAS_FOLDER),
    ('cfpush.addEnv', 'Add Environment Variable…', '$(add)', None),
    ('cfpush.editEnv', 'Edit Value…', '$(edit)', None),
    ('cfpush.removeEnv', 'Remove Variable', '$(trash)', None),
    ('cfpush.writeDotenv', 'Write .env for Running Locally', '$(file-code)', None),
    ('cfpush.createManagedService', 'Create Service…', '$(add)', True),
    ('cfpush.createService', 'Create User-Provided Service…', '$(key)', None),
    ('cfpush.deleteService', 'Delete Service…', '$(trash)', None),
    ('cfpush.bindService', 'Bind to App…', '$(plug)', None),
    ('cfpush.unbindService', 'Unbind from App', '$(debug-disconnect)', None),
]

def item(cmd, when, group):
    return {'command': cmd, 'when': when, 'group': group}

def palette(cmd, when):
    return {'command': cmd, 'when': 'false' if when is None else 'true' if when is True else when}

ROUTE = VIEW + r" && viewItem =~ /^(route|spaceRoute)(\.|$)/"
SUBMENU = 'cfpush.resource'

contributes = {
    'viewsContainers': {'activitybar': [{'id': 'cfpush', 'title': 'Cloud Foundry', 'icon': 'media/activity.svg'}]},
    'views': {'cfpush': [{'id': 'cfpush.targets', 'name': 'Cloud Foundry', 'icon': 'media/activity.svg', 'contextualTitle': 'Cloud Foundry'}]},
    # An empty tree (no foundation started yet, no remote target): what to do first.
    'viewsWelcome': [{
        'view': 'cfpush.targets',
        'contents': '\n'.join([
            'Push an app to Cloud Foundry from this editor: the local foundation on this machine, or any Cloud Foundry you log in to.',
            '[Push This Folder](command:cfpush.push)',
            '[Start Local Foundation](command:cfpush.startFoundation)',
            '[Log In to a Cloud Foundry](command:cfpush.login)',
            'New here? Follow the [first push walkthrough](command:workbench.action.openWalkthrough?%22cf-push.cf-push%23firstPush%22).',
        ]),
    }],
    'commands': [{'command': c, 'title': t, 'category': 'CF', 'icon': i} for c, t, i, _ in commands],
    'submenus': [{'id': SUBMENU, 'label': 'Cloud Foundry'}],
    'menus': {
        'commandPalette': [palette(c, w) for c, _, _, w in commands],
        # Explorer and editor: one "Cloud Foundry" submenu, so Push / Restage read as what they are (not Git).
        'explorer/context': [{'submenu': SUBMENU, 'when': MANIFEST_OR_FOLDER + ' || ' + DROPLET_FILE, 'group': 'cfpush@1'}],
        'editor/context': [{'submenu': SUBMENU, 'when': MANIFEST, 'group': 'cfpush@1'}],
        SUBMENU: [
            item('cfpush.push', MANIFEST_OR_FOLDER, '1_push@1'),
            item('cfpush.restage', MANIFEST_OR_FOLDER, '1_push@2'),
            item('cfpush.detect', MANIFEST_OR_FOLDER, '2_detect@1'),
            item('cfpush.exportImage', DROPLET_FILE, '3_export@1'),
        ],
        'editor/title': [
            item('cfpush.push', MANIFEST, 'navigation@90'),
        ],
        'view/title': [
            item('cfpush.push', VIEW, 'navigation@1'),
            item('cfpush.refresh', VIEW, 'navigation@2'),
            item('cfpush.undoRouteChange', VIEW + ' && cfpush.canUndoRoutes', 'navigation@3'),
            item('cfpush.routeHistory', VIEW + ' && cfpush.canUndoRoutes', '0_routes@1'),
            item('cfpush.selectTarget', VIEW, '1_target@1'),
            item('cfpush.login', VIEW, '1_target@2'),
            item('cfpush.startFoundation', VIEW, '2_foundation@1'),
            item('cfpush.toggleWatch', VIEW, '2_foundation@2'),
            item('cfpush.showOutput', VIEW, '2_foundation@3'),
        ],
        'view/item/context': [
            # targets
            item('cfpush.startFoundation', VIEW + ' && viewItem == target.local', 'inline'),
            item('cfpush.stopFoundation', VIEW + ' && viewItem == target.local', '2_foundation@1'),
            item('cfpush.login', VIEW + ' && viewItem == target.remote.signedOut', 'inline'),
            item('cfpush.login', VIEW + r" && viewItem =~ /^target\.remote/", '1_target@2'),
            item('cfpush.logout', VIEW + ' && viewItem == target.remote.signedIn', '1_target@3'),
            item('cfpush.selectTarget', VIEW + r" && viewItem =~ /^target/", '1_target@1'),
            # spaces
            item('cfpush.push', VIEW + r" && viewItem =~ /^space/", '1_space@1'),
            item('cfpush.restageOutdated', VIEW + ' && viewItem == space.outdated', 'inline'),
            item('cfpush.restageOutdated', VIEW + ' && viewItem == space.outdated', '1_space@2'),
            # apps
            item('cfpush.restageUpdate', app_with('outdated'), 'inline'),
            item('cfpush.restageUpdate', app_with('outdated'), '1_lifecycle@0'),
            item('cfpush.showLogs', APP, 'inline'),
            item('cfpush.restage', APP, '1_lifecycle@1'),
            item('cfpush.startApp', app_with('stopped'), '1_lifecycle@2'),
            item('cfpush.stopApp', app_with('started'), '1_lifecycle@2'),
            item('cfpush.restartApp', app_with('started'), '1_lifecycle@3'),
            item('cfpush.scaleApp', APP, '1_lifecycle@4'),
            item('cfpush.showLogs', APP, '2_logs@1'),
            item('cfpush.stopLogs', app_with('following'), '2_logs@2'),
            item('cfpush.showTraffic', APP, '2_logs@3'),
            item('cfpush.swapRoutes', APP, '3_routes@1'),
            item('cfpush.swapBack', app_with('swapped'), '3_routes@2'),
            item('cfpush.swapBackVersion', app_with('previous'), '3_routes@3'),
            item('cfpush.continueDeployment', app_with('paused'), 'inline'),
            item('cfpush.continueDeployment', app_with('paused'), '3_routes@6'),
            item('cfpush.cancelDeployment', app_with('paused') + r" || " + app_with('deploying'), '3_routes@7'),
            item('cfpush.mapRoute', APP, '3_routes@4'),
            item('cfpush.openRoute', APP, '3_routes@5'),
            item('cfpush.exportImage', VIEW + r" && viewItem =~ /^app\.(?!.*\bdocker\b)/", '4_export@1'),
            item('cfpush.runTask', APP, '5_run@1'),
            item('cfpush.openSshTerminal', app_with('started'), '5_run@2'),
            item('cfpush.debugApp', app_with('started'), '5_run@2'),
            item('cfpush.addEnv', APP, '5_run@3'),
            item('cfpush.writeDotenv', APP, '5_run@4'),
            item('cfpush.writeDotenv', VIEW + ' && viewItem == env', '1_env@2'),
            item('cfpush.deleteApp', APP, '9_danger@1'),
            # tasks, environment, services
            item('cfpush.runTask', VIEW + ' && viewItem == tasks', 'inline'),
            item('cfpush.runTask', VIEW + ' && viewItem == tasks', '1_tasks@1'),
            item('cfpush.terminateTask', VIEW + r" && viewItem =~ /^task\.(running|pending)/", 'inline'),
            item('cfpush.terminateTask', VIEW + r" && viewItem =~ /^task\.(running|pending)/", '1_task@1'),
            item('cfpush.addEnv', VIEW + ' && viewItem == env', 'inline'),
            item('cfpush.addEnv', VIEW + ' && viewItem == env', '1_env@1'),
            item('cfpush.editEnv', VIEW + ' && viewItem == envVar', 'inline'),
            item('cfpush.editEnv', VIEW + ' && viewItem == envVar', '1_env@1'),
            item('cfpush.removeEnv', VIEW + ' && viewItem == envVar', '1_env@2'),
            item('cfpush.createManagedService', VIEW + r" && viewItem =~ /^(services|marketplace|offering|plan)$/", 'inline'),
            item('cfpush.createManagedService', VIEW + r" && viewItem =~ /^(services|marketplace|offering|plan)$/", '1_services@1'),
            item('cfpush.createService', VIEW + ' && viewItem == services', '1_services@2'),
            item('cfpush.bindService', VIEW + r" && viewItem =~ /^service\.(?!.*\bbusy\b)/", '1_service@1'),
            item('cfpush.deleteService', VIEW + r" && viewItem =~ /^service\.(?!.*\bbusy\b)/", '9_danger@1'),
            item('cfpush.unbindService', VIEW + r" && viewItem =~ /^(binding|appBinding)$/", 'inline'),
            item('cfpush.unbindService', VIEW + r" && viewItem =~ /^(binding|appBinding)$/", '1_binding@1'),
            # routes (a click selects; opening is the inline icon or the menu)
            item('cfpush.openRoute', ROUTE, 'inline'),
            item('cfpush.openRoute', ROUTE, '1_route@0'),
            item('cfpush.unmapRoute', VIEW + ' && viewItem == route.mapped', '1_route@1'),
            item('cfpush.showTraffic', ROUTE, '1_route@2'),
        ],
    },
    'languages': [
        {'id': 'cfpush-output', 'aliases': ['Cloud Foundry Output'], 'mimetypes': ['text/x-cfpush-output']},
    ],
    'grammars': [
        {'language': 'cfpush-output', 'scopeName': 'text.cfpush.output', 'path': './syntaxes/cfpush-output.tmLanguage.json'},
        {'scopeName': 'cfpush.manifest.vars.injection', 'path': './syntaxes/manifest-vars.injection.tmLanguage.json', 'injectTo': ['source.yaml']},
    ],
    # CF: Debug App (issue 20): a launch configuration type that is no debugger of its own; src/vscode/debug.ts
    # resolves it to the runtime's debugger (node, java, debugpy, go).
    'debuggers': [{
        'type': 'cfpush',
        'label': 'Cloud Foundry App (cf-push)',
        'configurationAttributes': {'attach': {'required': ['app'], 'properties': {
            'app': {'type': 'string', 'description': "The app to debug, in the target's current space."},
            'instance': {'type': 'integer', 'default': 0, 'description': 'The instance to debug.'},
            'target': {'type': 'string', 'description': 'The cf-push target (default: the cfpush.target setting, "local" for the embedded foundation).'},
            'port': {'type': 'integer', 'description': 'The local port to attach on (default: a free one).'},
            'via': {'enum': ['auto', 'ssh'], 'default': 'auto',
                    'description': '"ssh" sets the agent through the app\'s environment and tunnels with cf ssh -L, as on a remote Cloud Foundry, even on the local foundation.'},
            'localRoot': {'type': 'string', 'description': 'The workspace folder the app was pushed from (default: the folder of the manifest naming the app).'},
        }}},
        'initialConfigurations': [{'type': 'cfpush', 'request': 'attach', 'name': 'Debug app on Cloud Foundry', 'app': '', 'instance': 0}],
        'configurationSnippets': [{
            'label': 'Cloud Foundry: Debug App',
            'description': 'Restart an app instance under its debugger and attach',
            'body': {'type': 'cfpush', 'request': 'attach', 'name': 'Debug ${1:app} on Cloud Foundry', 'app': '${1:app}', 'instance': 0},
        }],
    }],
    'yamlValidation': [
        {'fileMatch': ['manifest.yml', 'manifest.yaml', '*manifest*.yml', '*manifest*.yaml'], 'url': './syntaxes/manifest-schema.json'},
    ],
    'walkthroughs': [{
        'id': 'firstPush',
        'title': 'Your first push with cf-push',
        'description': 'From a folder to a running app on the local Cloud Foundry, then to a remote one with a blue-green swap.',
        'steps': [
            {'id': 'detect', 'title': 'See which buildpack matches',
             'description': 'cf-push runs every buildpack\'s detect script and tells you why each one did or did not match.\n[Detect Buildpack](command:cfpush.detect)',
             'media': {'markdown': 'media/walkthrough/detect.md'}, 'completionEvents': ['onCommand:cfpush.detect']},
            {'id': 'push', 'title': 'Push to the local foundation',
             'description': 'The local foundation starts on demand. Staging output, the push timeline and errors appear in the Cloud Foundry output.\n[Push](command:cfpush.push)',
             'media': {'markdown': 'media/walkthrough/push.md'}, 'completionEvents': ['onCommand:cfpush.push']},
            {'id': 'tree', 'title': 'Apps and routes in the Cloud Foundry view',
             'description': 'Expand your space: apps with their state, instances and buildpack; routes and where they point.\n[Open the view](command:cfpush.targets.focus)',
             'media': {'markdown': 'media/walkthrough/tree.md'}, 'completionEvents': ['onView:cfpush.targets']},
            {'id': 'login', 'title': 'Add a remote target and log in',
             'description': 'Password or single sign-on passcode; tokens are kept in VS Code\'s secret storage.\n[Log In](command:cfpush.login)',
             'media': {'markdown': 'media/walkthrough/login.md'}, 'completionEvents': ['onCommand:cfpush.login']},
            {'id': 'swap', 'title': 'Blue-green: swap routes, and back',
             'description': 'Select two apps and swap their routes; Undo (in the notification, the view\'s title bar or **CF: Undo Route Change**) swaps them back.\n[Swap Routes](command:cfpush.swapRoutes)',
             'media': {'markdown': 'media/walkthrough/swap.md'}, 'completionEvents': ['onCommand:cfpush.swapRoutes']},
        ],
    }],
    'configuration': {
        'title': 'Cloud Foundry (cf-push)',
        'properties': {
            'cfpush.target': {
                'type': 'string', 'default': 'local', 'order': 0,
                'markdownDescription': 'Default target of **CF: Push**, **Restage** and **Swap Routes**. `local` is the embedded local foundation; add others with **CF: Select Target** or `cfpush target NAME -a API` (stored in `$CFPUSH_HOME/config.json`).',
            },
            'cfpush.startLocalFoundation': {
                'type': 'boolean', 'default': True, 'order': 1,
                'description': 'Start the local foundation when a command needs it and it is not running (looking at the tree never starts it).',
            },
            'cfpush.stageMode': {
                'type': 'string', 'enum': ['host', 'container'], 'default': 'host', 'order': 2,
                'enumDescriptions': ['The target stages the app, as `cf push` does.', 'Stage on this machine inside the stack container (`cfpush/stack:bookworm`; needs Docker), then push only the droplet.'],
                'markdownDescription': 'Where **CF: Push** stages buildpack apps: `host` lets the target stage them as usual; `container` stages on this machine inside a stack container (as `cfpush stage --in-container`) and pushes only the droplet. Docker apps are not affected.',
            },
            'cfpush.push.strategy': {
                'type': 'string', 'enum': ['standard', 'blue-green', 'rolling', 'canary'], 'default': 'standard', 'order': 3,
                'enumDescriptions': [
                    'Replace the app in place (cf push).',
                    'Push a second app, smoke-test it, move the routes, keep the old one stopped for Swap Back.',
                    'A rolling deployment (cf push --strategy rolling): new instances come up before old ones go.',
                    'A canary deployment (cf push --strategy canary): one new instance next to the old ones, paused until you Continue or Cancel Deployment.',
                ],
                'description': 'Default push strategy; the confirm step of a remote push lets you choose for each push.',
            },
            'cfpush.push.confirmRemote': {
                'type': 'boolean', 'default': True, 'order': 4,
                'description': 'Before pushing to a remote (non-local) target, show what the push changes and ask.',
            },
            'cfpush.blueGreen.smokeTestPath': {
                'type': 'string', 'default': '/', 'order': 5,
                'markdownDescription': 'Path a blue-green push GETs on the new version (on its temporary route) before moving routes; it must answer 2xx. Empty = no smoke test.',
            },
            'cfpush.watch.enabled': {
                'type': 'boolean', 'default': False, 'order': 6,
                'description': 'Watch mode: saving a file in an app folder pushed to the local foundation re-pushes it. Never pushes to remote targets.',
            },
            'cfpush.logLevel': {
                'type': 'string', 'enum': ['quiet', 'normal', 'verbose'], 'default': 'normal', 'order': 7,
                'enumDescriptions': ['Steps, warnings and errors only.', 'Also staging and app log lines.', 'Also every API request.'],
                'description': 'How much goes to the Cloud Foundry output channel.',
            },
            'cfpush.revealOutput': {
                'type': 'boolean', 'default': False, 'order': 8,
                'description': 'Show the "Cloud Foundry" output channel when a push or restage starts.',
            },
            'cfpush.traffic.openOnSwap': {
                'type': 'boolean', 'default': True, 'order': 9,
                'markdownDescription': 'Open the live **Traffic** view (requests and errors per app, with a marker where routes moved) when a route swap or a blue-green push starts. Open it any time with **Show Traffic** on an app or a route.',
            },
            'cfpush.debug.onEnd': {
                'type': 'string', 'enum': ['ask', 'restart', 'keep'], 'default': 'ask', 'order': 10,
                'enumDescriptions': ['Ask whether to restart the instance without the debugger.', 'Restart it without the debugger.', 'Keep the debug agent (health checks stay suspended on the local foundation).'],
                'markdownDescription': 'When a **CF: Debug App** session ends: restart the debugged instance without its debug agent, keep it, or ask.',
            },
        },
    },
}

# Only what needs the extension: a workspace with a manifest, its view, its commands.
activation = ['workspaceContains:**/manifest.yml', 'workspaceContains:**/manifest.yaml', 'onView:cfpush.targets'] + [
    f'onCommand:{c}' for c, _, _, _ in commands
] + ['onDebugResolve:cfpush', 'onDebugInitialConfigurations']

pkg = json.loads(PKG.read_text())
pkg['activationEvents'] = activation
pkg['contributes'] = contributes
PKG.write_text(json.dumps(pkg, indent=2, ensure_ascii=False) + '\n')
print('package.json: contributes + activationEvents updated', file=sys.stderr)
