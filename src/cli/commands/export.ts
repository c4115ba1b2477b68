// export: a droplet (an app's current one on the target, or a .tgz file) as a
// container image that runs on any Docker host (issue 8).
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { exportApp, exportDroplet, type ExportedImage } from '../../core/docker/export';
import { openSession } from '../../core/targets';
import { localFoundation } from '../../foundation/access';
import { parse, spec, usageError } from '../args';
import type { Command } from './common';

export const EXPORT = spec({
  name: 'export',
  args: 'APP|DROPLET.tgz',
  summary: "Export an app's droplet (or a droplet .tgz) as a container image",
  flags: {
    tag: { type: 'string', short: 't', arg: 'IMAGE:TAG', help: 'Name of the image (default cfpush/APP:DROPLET)' },
    stack: { type: 'string', arg: 'IMAGE', help: 'Stack image to build on (default cfpush/stack:bookworm)' },
    json: { type: 'boolean', help: 'Print the result as JSON' },
  },
});

export const exportCmd: Command = async (argv) => {
  const { values, positionals } = parse(argv, EXPORT);
  const what = positionals[0];
  if (!what || positionals.length > 1) {
    throw usageError('name one app or one droplet file.', EXPORT);
  }
  const log = (line: string) => (values.json ? process.stderr : process.stdout).write(`   ${line}\n`);
  const common = { tag: values.tag, stackImage: values.stack, log };
  // A path that exists (or looks like a droplet file) is a file; anything else names an app.
  const isFile = existsSync(what) ? statSync(what).isFile() || statSync(what).isDirectory() : /\.(tgz|tar\.gz)$/i.test(what);
  let res: ExportedImage;
  if (isFile) {
    res = await exportDroplet({ ...common, dropletFile: resolve(what) });
  } else {
    const s = await openSession({ target: process.env.CFPUSH_TARGET || undefined, local: localFoundation, onWarning: (w) => console.error(`warning: ${w}`) });
    res = await exportApp({ ...common, session: s, appName: what });
  }
  if (values.json) return console.log(JSON.stringify(res, null, 2));
  console.log(
    [
      '',
      `Image: ${res.image}`,
      `size: ${(res.size / 1e6).toFixed(1)} MB`,
      `buildpacks: ${res.buildpacks.map((b) => `${b.name} ${b.version}`.trim()).join(', ') || '(none recorded)'}`,
      `stack: ${res.stackImage}`,
      `start command: ${res.startCommand}`,
      `Run it: docker run -p 8080:8080 ${res.image}`,
      `Push it back: cfpush push APP -o ${res.image}`,
    ].join('\n'),
  );
};
