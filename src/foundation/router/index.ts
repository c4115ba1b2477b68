// The local foundation's router (a gorouter stand-in), one concern per file in
// this folder; see router.ts for the whole picture. This entry exports what
// the rest of cf-push uses, so `import { Router } from './router'` keeps working.
export { Router, type RouterOptions } from './router';
