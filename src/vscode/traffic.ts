// The live traffic view: a webview panel plotting requests per second and
// error responses per app (and per instance) over the last minutes, with a
// marker wherever a route moved. Opened from an app or a route ("Show
// Traffic"), and by itself when a swap or a blue-green push starts (setting
// cfpush.traffic.openOnSwap).
//
// The extension polls the core's TrafficReader once a second while the panel
// is visible and posts a plain model; media/traffic.js draws it as inline SVG.
// The webview follows VS Code's guidance: a strict content security policy
// with a nonce, resources from media/ only, theme colours through CSS
// variables, nothing remote.
import * as vscode from 'vscode';
import type { Series, TrafficReader, TrafficReaderOptions, TrafficReport, TrafficResult } from '../core/traffic';
import type { Session } from '../core/session';
import type { Ctx } from './ctx';
import { core } from './lazy';

export interface AppRef {
  guid: string;
  name: string;
}

/** What the panel watches: apps (by guid), plus routes and app names it keeps following. */
export interface TrafficSubject {
  session: Session;
  apps: AppRef[];
  /** Routes whose destinations join the apps (a route's traffic follows it when it moves). */
  routes?: { guid: string; url: string }[];
  /** App names resolved again while the panel is open (blue-green: NAME-next appears mid-push). */
  names?: string[];
  /** Why it opened: shown in the header. */
  reason?: string;
}

export interface SeriesModel {
  requests: number[];
  errors5xx: number[];
  errors4xx: number[];
}

export interface AppModel extends SeriesModel {
  guid: string;
  name: string;
  /** Colour slot (0 to COLOR_SLOTS - 1, a function of the name: see colorSlot): CSS maps it to a theme colour. */
  color: number;
  /** Counted over the model's fixed window (the last windowMs up to `to`), as are the instances'. */
  totals: { requests: number; errors5xx: number; errors4xx: number };
  /** Mean requests/s over the last 3 complete seconds. */
  rps: number;
  instances: (SeriesModel & { index: number; rps: number; totals: { requests: number; errors5xx: number; errors4xx: number } })[];
}

export interface MarkerModel {
  time: number;
  /** route-move: the router saw a route's destinations change; action: this window moved routes. */
  kind: 'route-move' | 'action';
  label: string;
}

/** Exactly what the webview was last sent (the test API reads it back). */
export interface TrafficModel {
  seq: number;
  title: string;
  where: string;
  reason?: string;
  state: 'loading' | 'ok' | 'unavailable' | 'error';
  message?: string;
  /** Set when the last poll failed and the data shown is from an earlier one. */
  stale?: string;
  source?: string;
  from: number;
  to: number;
  bucketMs: number;
  /** The fixed window the totals (the legend's requests, 5xx, 4xx columns) count: the last windowMs up to `to`. */
  windowMs: number;
  apps: AppModel[];
  /** Requests the router answered itself for these apps' hosts (404 while unmapped...). */
  unrouted: (SeriesModel & { host: string; totals: { requests: number; errors5xx: number; errors4xx: number } })[];
  markers: MarkerModel[];
}

/** How far back the view reads (the local router keeps 10 minutes). */
export const WINDOW_MS = 5 * 60_000;
const POLL_MS = 1000;
/** Route destinations and app names are looked up again this often (not every poll). */
const RESOLVE_MS = 3000;

/** Colours an app can have (traffic.css: .stroke-c0 … .stroke-c7). */
export const COLOR_SLOTS = 8;

/**
 * An app's colour slot: a function of its name (FNV-1a), so an app has the
 * same colour in every traffic view whatever other apps it shows and in which
 * order. FNV-1a's bits are mixed once more (murmur3's finaliser): alone its
 * low bits follow only the names' low bits ("web-1" and "web-9" would share).
 */
export function colorSlot(name: string): number {
  let h = 0x811c9dc5;
  for (const ch of name) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return (h >>> 0) % COLOR_SLOTS;
}

/** Slots for the apps of one view: each its own colorSlot, moved to the next free slot when another app of the view has it already. */
export function colorSlots(names: string[]): Map<string, number> {
  const out = new Map<string, number>();
  const used = new Set<number>();
  for (const n of [...new Set(names)].sort()) {
    let slot = colorSlot(n);
    for (let i = 0; i < COLOR_SLOTS && used.has(slot); i++) slot = (slot + 1) % COLOR_SLOTS;
    used.add(slot);
    out.set(n, slot);
  }
  return out;
}

const seriesModel = (s: Series): SeriesModel => ({ requests: s.requests, errors5xx: s.errors_5xx, errors4xx: s.errors_4xx });

/** Sums of the last `buckets` values of a series: always the same fixed window, whatever span the source answered. */
export function windowTotals(s: Series, buckets: number): { requests: number; errors5xx: number; errors4xx: number } {
  const add = (xs: number[]) => {
    let n = 0;
    for (let i = Math.max(0, xs.length - buckets); i < xs.length; i++) n += xs[i]!;
    return n;
  };
  return { requests: add(s.requests), errors5xx: add(s.errors_5xx), errors4xx: add(s.errors_4xx) };
}

function rps(s: Series, seconds = 3): number {
  const n = s.requests.length;
  const k = Math.min(seconds, n);
  let sum = 0;
  for (let i = n - k; i < n; i++) sum += s.requests[i]!;
  return k ? sum / k : 0;
}

/** The report as the webview draws it; pure (unit-testable). */
export function toModel(
  report: TrafficReport,
  order: string[],
  actions: MarkerModel[],
  windowMs = WINDOW_MS,
): Omit<TrafficModel, 'seq' | 'title' | 'where' | 'reason'> {
  const buckets = Math.round(windowMs / report.bucket_ms);
  const totals = (s: Series) => windowTotals(s, buckets);
  const slots = colorSlots(report.apps.map((a) => a.name));
  const apps = [...report.apps]
    .sort((a, b) => (order.indexOf(a.guid) >>> 0) - (order.indexOf(b.guid) >>> 0))
    .map((a): AppModel => ({
      guid: a.guid,
      name: a.name,
      color: slots.get(a.name)!,
      ...seriesModel(a.series),
      totals: totals(a.series),
      rps: rps(a.series),
      instances: a.instances.map((i) => ({ index: i.index, ...seriesModel(i.series), totals: totals(i.series), rps: rps(i.series) })),
    }));
  const markers: MarkerModel[] = [
    ...report.markers.map((m): MarkerModel => {
      const parts = [...m.added.map((x) => `+${x.name}`), ...m.removed.map((x) => `−${x.name}`)];
      return { time: m.time, kind: 'route-move', label: `${m.url} ${parts.join(' ')}`.trim() };
    }),
    ...actions.filter((m) => m.time >= report.from),
  ].sort((a, b) => a.time - b.time);
  return {
    state: 'ok',
    source: report.source,
    from: report.from,
    to: report.to,
    bucketMs: report.bucket_ms,
    windowMs,
    apps,
    unrouted: report.unrouted.map((h) => ({ host: h.host, ...seriesModel(h.series), totals: totals(h.series) })),
    markers,
  };
}

/** One panel, re-aimed when opened again for other apps. */
export class TrafficView implements vscode.Disposable {
  private panel?: vscode.WebviewPanel;
  private subject?: TrafficSubject;
  private reader?: TrafficReader;
  private timer?: NodeJS.Timeout;
  private polling = false;
  private resolvedAt = 0;
  private seq = 0;
  /** Route moves this window made, per target/space (drawn even where the target keeps no markers). */
  private readonly actions: (MarkerModel & { space: string; apps: string[] })[] = [];
  /** Passed to the core's TrafficReader (tests force "no traffic data" with skipCounters + skipLogCache). */
  readerOptions: TrafficReaderOptions = {};
  /** The model last posted to the webview (tests read it back). */
  lastModel?: TrafficModel;
  /** What the webview last reported drawing: { seq, series, markers }. */
  lastRendered?: { seq: number; series: number; markers: number; state: string };
  private readonly rendered = new vscode.EventEmitter<NonNullable<TrafficView['lastRendered']>>();
  readonly onDidRender = this.rendered.event;

  constructor(private readonly ctx: Ctx) {}

  get visible(): boolean {
    return !!this.panel?.visible;
  }

  /** Opens (or re-aims and reveals) the panel. */
  open(session: Session, what: Omit<TrafficSubject, 'session'>, opts: { preserveFocus?: boolean } = {}): void {
    const subject: TrafficSubject = { session, ...what, apps: dedupe(what.apps) };
    this.subject = subject;
    this.resolvedAt = 0;
    // A reader per subject: it discovers the target's traffic source once.
    this.reader = undefined;
    this.lastModel = undefined;
    if (!this.panel) this.panel = this.createPanel(!!opts.preserveFocus);
    else this.panel.reveal(undefined, !!opts.preserveFocus);
    this.post({
      ...this.header(),
      state: 'loading',
      from: Date.now() - WINDOW_MS,
      to: Date.now(),
      bucketMs: 1000,
      windowMs: WINDOW_MS,
      apps: [],
      unrouted: [],
      markers: [],
    });
    this.schedule(0);
  }

  /** Opens the panel for a swap or a blue-green push when the setting allows (never steals focus). */
  autoOpen(session: Session, apps: AppRef[], reason: 'swap' | 'blue-green', names: string[] = []): void {
    if (!this.ctx.config.trafficOpenOnSwap) return;
    try {
      this.open(session, { apps, names, reason: reason === 'swap' ? 'route swap' : 'blue-green push' }, { preserveFocus: true });
    } catch (err) {
      this.ctx.output.line(`⚠ Could not open the traffic view: ${(err as Error).message}`);
    }
  }

  /** Records that this window moved routes of `apps` (names) now: a labelled marker in views of those apps. */
  mark(session: Session, label: string, apps: string[]): void {
    this.actions.push({ time: Date.now(), kind: 'action', label, space: spaceKey(session), apps });
    if (this.actions.length > 100) this.actions.shift();
    if (this.visible) this.schedule(0);
  }

  private header(): Pick<TrafficModel, 'title' | 'where' | 'reason'> {
    const s = this.subject!;
    const routes = s.routes?.length ? `${s.apps.length ? ' · ' : ''}${s.routes.map((r) => r.url).join(', ')}` : '';
    const apps = s.apps.map((a) => a.name).join(', ') || s.names?.join(', ') || '';
    return {
      title: `${apps}${routes}` || 'apps',
      where: `${s.session.target.name} · ${s.session.org.name}/${s.session.space.name}`,
      reason: s.reason,
    };
  }

  private createPanel(preserveFocus: boolean): vscode.WebviewPanel {
    const media = vscode.Uri.joinPath(this.ctx.extension.extensionUri, 'media');
    const panel = vscode.window.createWebviewPanel(
      'cfpush.traffic',
      'Traffic',
      { viewColumn: vscode.ViewColumn.Active, preserveFocus },
      { enableScripts: true, localResourceRoots: [media], retainContextWhenHidden: false },
    );
    panel.iconPath = vscode.Uri.joinPath(media, 'cf.svg');
    panel.webview.html = html(panel.webview, media);
    panel.onDidDispose(() => {
      this.panel = undefined;
      this.stop();
    });
    panel.onDidChangeViewState(() => {
      // Hidden: no polling. Visible again: the webview was rebuilt (no retained context): redraw now.
      if (panel.visible) this.schedule(0);
      else this.stop();
    });
    panel.webview.onDidReceiveMessage((m: { type?: string; seq?: number; series?: number; markers?: number; state?: string }) => {
      if (m?.type === 'ready' && this.lastModel) void panel.webview.postMessage({ type: 'model', model: this.lastModel });
      if (m?.type === 'rendered') {
        this.lastRendered = { seq: Number(m.seq), series: Number(m.series), markers: Number(m.markers), state: String(m.state) };
        this.rendered.fire(this.lastRendered);
      }
    });
    return panel;
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), ms);
  }

  private stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async poll(): Promise<void> {
    if (!this.panel || !this.subject) return;
    if (!this.panel.visible) return this.stop();
    if (this.polling) return this.schedule(POLL_MS);
    this.polling = true;
    const subject = this.subject;
    const started = Date.now();
    try {
      if (started - this.resolvedAt >= RESOLVE_MS) {
        await this.resolve(subject);
        this.resolvedAt = started;
      }
      if (!subject.apps.length) {
        // An unmapped route, or a blue-green app not created yet: nothing to read (an empty list would mean "every app").
        this.post({
          ...this.header(),
          state: 'ok',
          message: 'No app receives this traffic yet.',
          from: started - WINDOW_MS,
          to: started,
          bucketMs: 1000,
          windowMs: WINDOW_MS,
          apps: [],
          unrouted: [],
          markers: [],
        });
        return;
      }
      this.reader ??= new (core().TrafficReader)(subject.session, this.readerOptions);
      const result: TrafficResult = await this.reader.read(
        subject.apps.map((a) => a.guid),
        started - WINDOW_MS,
      );
      if (subject !== this.subject) return;
      this.post(this.modelOf(subject, result));
    } catch (err) {
      const last = this.lastModel;
      if (subject === this.subject && last?.state === 'ok' && last.apps.length) {
        // Keep the last data on screen and say it is not current.
        this.post({ ...last, stale: `Cannot read traffic now: ${core().formatError(err).split('\n')[0]}` });
      } else if (subject === this.subject) {
        this.post({
          ...this.header(),
          state: 'error',
          message: core().formatError(err),
          from: started - WINDOW_MS,
          to: started,
          bucketMs: 1000,
          windowMs: WINDOW_MS,
          apps: [],
          unrouted: [],
          markers: [],
        });
      }
    } finally {
      this.polling = false;
      if (this.panel?.visible) this.schedule(Math.max(50, POLL_MS - (Date.now() - started)));
    }
  }

  private modelOf(subject: TrafficSubject, result: TrafficResult): Omit<TrafficModel, 'seq'> {
    const now = Date.now();
    if (!result.available) {
      return {
        ...this.header(),
        state: 'unavailable',
        message: result.message,
        from: now - WINDOW_MS,
        to: now,
        bucketMs: 1000,
        windowMs: WINDOW_MS,
        apps: [],
        unrouted: [],
        markers: [],
      };
    }
    const space = spaceKey(subject.session);
    const watched = new Set([...subject.apps.map((a) => a.name), ...result.report.apps.map((a) => a.name)]);
    const actions = this.actions.filter((a) => a.space === space && a.apps.some((n) => watched.has(n))).map(({ time, kind, label }) => ({ time, kind, label }));
    return {
      ...this.header(),
      ...toModel(
        result.report,
        subject.apps.map((a) => a.guid),
        actions,
      ),
    };
  }

  /** Adds the apps behind the subject's routes and names (they change as routes move and apps get renamed). */
  private async resolve(subject: TrafficSubject): Promise<void> {
    const cc = subject.session.cc;
    const known = new Set(subject.apps.map((a) => a.guid));
    const add = (a: AppRef) => {
      if (known.has(a.guid)) return;
      known.add(a.guid);
      subject.apps.push(a);
    };
    if (!subject.names?.length && !subject.routes?.length) return;
    const names = new Map((await cc.apps.inSpace(subject.session.space.guid)).map((a) => [a.guid, a.name]));
    for (const [guid, name] of names) if (subject.names?.includes(name)) add({ guid, name });
    for (const r of subject.routes ?? []) {
      const route = await cc.routes.get(r.guid).catch(() => undefined);
      for (const d of route?.destinations ?? []) add({ guid: d.app.guid, name: names.get(d.app.guid) ?? d.app.guid });
    }
  }

  private post(model: Omit<TrafficModel, 'seq'>): void {
    const full: TrafficModel = { ...model, seq: ++this.seq };
    this.lastModel = full;
    if (this.panel) this.panel.title = `Traffic: ${full.title}`;
    void this.panel?.webview.postMessage({ type: 'model', model: full });
  }

  dispose(): void {
    this.stop();
    this.panel?.dispose();
    this.rendered.dispose();
  }
}

function dedupe(apps: AppRef[]): AppRef[] {
  const m = new Map<string, AppRef>();
  for (const a of apps) if (!m.has(a.guid)) m.set(a.guid, { guid: a.guid, name: a.name });
  return [...m.values()];
}

const spaceKey = (s: Session) => `${s.target.name}/${s.space.guid}`;

function html(webview: vscode.Webview, media: vscode.Uri): string {
  // Required here, not at the top: loading node:crypto would cost activation a few ms.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nonce = (require('node:crypto') as typeof import('node:crypto')).randomBytes(16).toString('base64');
  const js = webview.asWebviewUri(vscode.Uri.joinPath(media, 'traffic.js'));
  const css = webview.asWebviewUri(vscode.Uri.joinPath(media, 'traffic.css'));
  const csp = ["default-src 'none'", `img-src ${webview.cspSource}`, `style-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${css}">
<title>Traffic</title>
</head>
<body data-cfpush-view="traffic">
<header><h1 id="title">Traffic</h1><p id="where"></p></header>
<main id="root"><p class="status">Reading traffic…</p></main>
<script nonce="${nonce}" src="${js}"></script>
</body>
</html>`;
}
