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

# (id, title, icon, shown in the palette)
commands = [
    ('cfpush.push', 'Push', '$(cloud-upload)', True),
    ('cfpush.pushBlueGreen', 'Push (Blue-Green)', '$(arrow-swap)', True),
    ('cfpush.restage', 'Restage', '$(sync)', True),
    ('cfpush.restageUpdate', 'Restage to Pick Up the Update', '$(sync)', False),
    ('cfpush.restageOutdated', 'Restage All Outdated Apps', '$(sync)', False),
    ('cfpush.swapRoutes', 'Swap Routes', '$(arrow-swap)', True),
    ('cfpush.swapBack', 'Swap Back', '$(discard)', True),
    ('cfpush.swapBackVersion', 'Swap Back to Previous Version', '$(history)', True),
    ('cfpush.continueDeployment', 'Continue Deployment', '$(debug-continue)', True),
    ('cfpush.cancelDeployment', 'Cancel Deployment', '$(debug-step-back)', True),
    ('cfpush.startApp', 'Start App', '$(debug-start)', True),
    ('cfpush.stopApp', 'Stop App', '$(debug-stop)', True),
    ('cfpush.restartApp', 'Restart App', '$(debug-restart)', True),
    ('cfpush.scaleApp', 'Scale App…', '$(settings-gear)', True),
    ('cfpush.deleteApp', 'Delete App…', '$(trash)', False),
    ('cfpush.showLogs', 'Show Logs', '$(output)', True),
    ('cfpush.stopLogs', 'Stop Logs', '$(debug-pause)', False),
    ('cfpush.openRoute', 'Open in Browser', '$(link-external)', False),
    ('cfpush.mapRoute', 'Map Route…', '$(link)', False),
    ('cfpush.unmapRoute', 'Unmap Route', '$(debug-disconnect)', False),
    ('cfpush.refresh', 'Refresh', '$(refresh)', True),
    ('cfpush.selectTarget', 'Select Target, Org and Space', '$(cloud)', True),
    ('cfpush.login', 'Log In', '$(sign-in)', True),
    ('cfpush.logout', 'Sign Out', '$(sign-out)', True),
    ('cfpush.startFoundation', 'Start Local Foundation', '$(play)', True),
    ('cfpush.showOutput', 'Show Output', '$(output)', True),
    ('cfpush.detect', 'Detect Buildpack', '$(search)', True),
    ('cfpush.toggleWatch', 'Toggle Watch Mode (Re-Push on Save)', '$(eye)', True),
    ('cfpush.showTraffic', 'Show Traffic', '$(pulse)', True),
    ('cfpush.exportImage', 'Export as Image', '$(package)', True),
]

def item(cmd, when, group):
    return {'command': cmd, 'when': when, 'group': group}

contributes = {
    'viewsContainers': {'activitybar': [{'id': 'cfpush', 'title': 'Cloud Foundry', 'icon': 'media/cf.svg'}]},
    'views': {'cfpush': [{'id': 'cfpush.targets', 'name': 'Cloud Foundry', 'icon': 'media/cf.svg', 'contextualTitle': 'Cloud Foundry'}]},
    'commands': [{'command': c, 'title': t, 'category': 'CF', 'icon': i} for c, t, i, _ in commands],
    'menus': {
        'commandPalette': [{'command': c, 'when': 'false'} for c, _, _, shown in commands if not shown],
        'explorer/context': [
            item('cfpush.push', MANIFEST_OR_FOLDER, 'cfpush@1'),
            item('cfpush.restage', MANIFEST_OR_FOLDER, 'cfpush@2'),
            item('cfpush.detect', MANIFEST_OR_FOLDER, 'cfpush@3'),
            item('cfpush.exportImage', DROPLET_FILE, 'cfpush@4'),
        ],
        'editor/title': [
            item('cfpush.push', MANIFEST, 'navigation@90'),
        ],
        'editor/context': [
            item('cfpush.push', MANIFEST, 'cfpush@1'),
            item('cfpush.restage', MANIFEST, 'cfpush@2'),
        ],
        'view/title': [
            item('cfpush.push', VIEW, 'navigation@1'),
            item('cfpush.refresh', VIEW, 'navigation@2'),
            item('cfpush.selectTarget', VIEW, '1_target@1'),
            item('cfpush.login', VIEW, '1_target@2'),
            item('cfpush.startFoundation', VIEW, '2_foundation@1'),
            item('cfpush.toggleWatch', VIEW, '2_foundation@2'),
            item('cfpush.showOutput', VIEW, '2_foundation@3'),
        ],
        'view/item/context': [
            # targets
            item('cfpush.startFoundation', VIEW + ' && viewItem == target.local', 'inline'),
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
            item('cfpush.stopLogs', APP, '2_logs@2'),
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
            item('cfpush.deleteApp', APP, '9_danger@1'),
            # routes
            item('cfpush.openRoute', VIEW + r" && viewItem =~ /^(route|spaceRoute)/", 'inline'),
            item('cfpush.unmapRoute', VIEW + ' && viewItem == route.mapped', '1_route@1'),
            item('cfpush.showTraffic', VIEW + r" && viewItem =~ /^(route|spaceRoute)/", '1_route@2'),
        ],
    },
    'languages': [
        {'id': 'cfpush-output', 'aliases': ['Cloud Foundry Output'], 'mimetypes': ['text/x-cfpush-output']},
    ],
    'grammars': [
        {'language': 'cfpush-output', 'scopeName': 'text.cfpush.output', 'path': './syntaxes/cfpush-output.tmLanguage.json'},
        {'scopeName': 'cfpush.manifest.vars.injection', 'path': './syntaxes/manifest-vars.injection.tmLanguage.json', 'injectTo': ['source.yaml']},
    ],
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
             'description': 'Select two apps and swap their routes; the notification offers Swap Back.\n[Swap Routes](command:cfpush.swapRoutes)',
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
        },
    },
}

# Only what needs the extension: a workspace with a manifest, its view, its commands.
activation = ['workspaceContains:**/manifest.yml', 'workspaceContains:**/manifest.yaml', 'onView:cfpush.targets'] + [
    f'onCommand:{c}' for c, _, _, _ in commands
]

pkg = json.loads(PKG.read_text())
pkg['activationEvents'] = activation
pkg['contributes'] = contributes
PKG.write_text(json.dumps(pkg, indent=2, ensure_ascii=False) + '\n')
print('package.json: contributes + activationEvents updated', file=sys.stderr)
