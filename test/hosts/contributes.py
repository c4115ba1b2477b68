#!/usr/bin/env python3
"""Rewrites only `contributes` and `activationEvents` of package.json (the
extension's share of the file); every other key is left as it is."""
import json, pathlib, sys

PKG = pathlib.Path(__file__).resolve().parents[2] / 'package.json'

APP = r"view == cfpush.targets && viewItem =~ /^app\./"
MANIFEST_OR_FOLDER = r"resourceFilename =~ /^manifest\.ya?ml$/ || explorerResourceIsFolder"

commands = [
    ('cfpush.push', 'CF: Push', '$(cloud-upload)'),
    ('cfpush.restage', 'CF: Restage', '$(sync)'),
    ('cfpush.swapRoutes', 'CF: Swap Routes', '$(arrow-swap)'),
    ('cfpush.refresh', 'CF: Refresh', '$(refresh)'),
    ('cfpush.openRoute', 'CF: Open Route', '$(link-external)'),
    ('cfpush.startFoundation', 'CF: Start Local Foundation', '$(play)'),
    ('cfpush.startApp', 'CF: Start App', '$(debug-start)'),
    ('cfpush.stopApp', 'CF: Stop App', '$(debug-stop)'),
    ('cfpush.showOutput', 'CF: Show Output', '$(output)'),
    ('cfpush.selectTarget', 'CF: Select Target', '$(cloud)'),
]
tree_only = ['cfpush.openRoute', 'cfpush.startApp', 'cfpush.stopApp']

contributes = {
    'viewsContainers': {'activitybar': [{'id': 'cfpush', 'title': 'Cloud Foundry', 'icon': 'media/cf.svg'}]},
    'views': {'cfpush': [{'id': 'cfpush.targets', 'name': 'Cloud Foundry', 'icon': 'media/cf.svg', 'contextualTitle': 'Cloud Foundry'}]},
    'commands': [{'command': c, 'title': t, 'icon': i} for c, t, i in commands],
    'menus': {
        'commandPalette': [{'command': c, 'when': 'false'} for c in tree_only],
        'explorer/context': [
            {'command': 'cfpush.push', 'when': MANIFEST_OR_FOLDER, 'group': 'cfpush@1'},
            {'command': 'cfpush.restage', 'when': MANIFEST_OR_FOLDER, 'group': 'cfpush@2'},
        ],
        'view/title': [
            {'command': 'cfpush.push', 'when': 'view == cfpush.targets', 'group': 'navigation@1'},
            {'command': 'cfpush.refresh', 'when': 'view == cfpush.targets', 'group': 'navigation@2'},
            {'command': 'cfpush.selectTarget', 'when': 'view == cfpush.targets', 'group': '1_foundation'},
            {'command': 'cfpush.startFoundation', 'when': 'view == cfpush.targets', 'group': '1_foundation'},
            {'command': 'cfpush.showOutput', 'when': 'view == cfpush.targets', 'group': '1_foundation'},
        ],
        'view/item/context': [
            {'command': 'cfpush.restage', 'when': APP, 'group': '1_lifecycle@1'},
            {'command': 'cfpush.startApp', 'when': 'view == cfpush.targets && viewItem == app.stopped', 'group': '1_lifecycle@2'},
            {'command': 'cfpush.stopApp', 'when': 'view == cfpush.targets && viewItem == app.started', 'group': '1_lifecycle@2'},
            {'command': 'cfpush.swapRoutes', 'when': APP, 'group': '2_routes@1'},
            {'command': 'cfpush.openRoute', 'when': APP, 'group': '2_routes@2'},
            {'command': 'cfpush.openRoute', 'when': 'view == cfpush.targets && viewItem == route', 'group': 'inline'},
            {'command': 'cfpush.swapRoutes', 'when': APP, 'group': 'inline'},
            {'command': 'cfpush.startFoundation', 'when': 'view == cfpush.targets && viewItem == target.local', 'group': 'inline'},
            {'command': 'cfpush.selectTarget', 'when': r'view == cfpush.targets && viewItem =~ /^target/', 'group': '1_target'},
        ],
    },
    'configuration': {
        'title': 'Cloud Foundry (cf-push)',
        'properties': {
            'cfpush.target': {
                'type': 'string', 'default': 'local',
                'markdownDescription': 'Target that **CF: Push**, **Restage** and **Swap Routes** use. `local` is the embedded local foundation; other names come from `cfpush target NAME -a API` (stored in `$CFPUSH_HOME/config.json`).',
            },
            'cfpush.startLocalFoundation': {
                'type': 'boolean', 'default': True,
                'description': 'Start the local foundation when a command needs it and it is not running.',
            },
            'cfpush.revealOutput': {
                'type': 'boolean', 'default': False,
                'description': 'Show the "Cloud Foundry" output channel when a push or restage starts.',
            },
        },
    },
}

activation = ['workspaceContains:**/manifest.yml', 'workspaceContains:**/manifest.yaml', 'onView:cfpush.targets'] + [
    f'onCommand:{c}' for c, _, _ in commands
]

pkg = json.loads(PKG.read_text())
pkg['activationEvents'] = activation
pkg['contributes'] = contributes
PKG.write_text(json.dumps(pkg, indent=2, ensure_ascii=False) + '\n')
print('package.json: contributes + activationEvents updated', file=sys.stderr)
