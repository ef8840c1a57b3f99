// Loads the built main bundle against the electron stub, pokes its hooks, prints a report.
import { register } from 'node:module';
import { existsSync, writeSync } from 'node:fs';

register('./hooks.mjs', import.meta.url);
const mainPath = process.argv[2];
if (process.env.STUB_SINGLE_INSTANCE === 'taken') {
  // A second instance: report what it did before it exited (or after it ran on, on old code).
  process.on('exit', (code) => {
    const st = globalThis.__electronStub;
    writeSync(
      1,
      JSON.stringify({
        code,
        singleInstanceAsked: st.singleInstanceAsked,
        exitCalled: st.exitCode !== undefined,
        windows: st.windows.length,
        handlers: st.handlers.size,
        listeners: st.listeners.size,
        permissionHandler: st.permissionHandler !== undefined,
      }),
    );
  });
  await import(mainPath);
  // Give a main that ran on (instead of exiting) time to open its data folder.
  await new Promise((r) => setTimeout(r, 500));
  process.exit(0);
}
await import(mainPath);
const s = globalThis.__electronStub;
const { app } = await import('electron');
const win = s.windows[0];
const wc = win.webContents;

const navigate = (ev, url) => {
  let prevented = false;
  for (const fn of wc.listeners[ev] ?? []) fn({ preventDefault: () => (prevented = true) }, url);
  return prevented;
};
const opened = (url) => {
  const before = s.openExternal.length;
  const result = wc.windowOpenHandler({ url });
  return { action: result.action, external: s.openExternal.length > before };
};
const call = async (channel, payload, event) => s.handlers.get(channel)(event, payload);
const own = { sender: wc, senderFrame: wc.mainFrame };
const subFrame = { sender: wc, senderFrame: { url: wc.mainFrame.url, parent: wc.mainFrame } };
const foreignPage = { sender: wc, senderFrame: Object.assign(wc.mainFrame, {}) };
let permission;
s.permissionHandler({}, 'media', (ok) => (permission = ok));

const report = {
  windows: s.windows.length,
  webPreferences: win.options.webPreferences,
  preloadExists: existsSync(win.options.webPreferences.preload),
  url: win.url,
  channels: [...s.handlers.keys()].sort(),
  sandboxEnabled: s.sandboxEnabled,
  messageBoxes: s.messageBoxes,
  willNavigatePrevented: navigate('will-navigate', 'https://evil.example/'),
  willRedirectPrevented: navigate('will-redirect', 'https://evil.example/'),
  webviewPrevented: navigate('will-attach-webview'),
  openHttps: opened('https://cloud.tencent.com/document/product/436'),
  openFile: opened('file:///etc/passwd'),
  openJs: opened('javascript:alert(1)'),
  openCustom: opened('smb://server/share'),
  openApp: opened('app://cosdesk/index.html'),
  externalOpened: s.openExternal,
  permissionGranted: permission,
  ownCall: await call('cosdesk:accounts.list', {}, own),
  badPayload: await call('cosdesk:accounts.get', { id: 42 }, own),
  subFrameCall: await call('cosdesk:accounts.list', {}, subFrame),
  strangerCall: await call(
    'cosdesk:accounts.list',
    {},
    { sender: { id: 999 }, senderFrame: { url: wc.mainFrame.url } },
  ),
};
// Drag-out: a one-way message, checked for sender and payload before anything is fetched.
const dragOut = s.listeners.get('cosdesk:drag-out');
report.dragOutRegistered = typeof dragOut === 'function';
dragOut(
  { sender: { id: 999, isDestroyed: () => false }, senderFrame: { url: wc.mainFrame.url } },
  {
    accountId: 'acc-x',
    bucket: 'b',
    keys: ['a.txt'],
  },
);
dragOut(own, { accountId: 'acc-x', bucket: 'b', keys: [] });
dragOut(own, { bucket: 'b', keys: ['a.txt'], extra: true });
await new Promise((r) => setTimeout(r, 100));
report.dragsStarted = s.drags.length;
// Upload pickers: the files.pickUpload call opens the native dialog (files, then folders).
report.pickFiles = await call('cosdesk:files.pickUpload', { kind: 'files' }, own);
report.pickFolder = await call('cosdesk:files.pickUpload', { kind: 'folder' }, own);
report.openDialogs = s.openDialogs.map((o) => o.properties);
// A page that navigated elsewhere (were navigation ever allowed) must lose access too.
foreignPage.senderFrame.url = 'https://evil.example/';
report.foreignOriginCall = await call('cosdesk:accounts.list', {}, foreignPage);

// Desktop conventions (issue 12 item 8), from the window's own page again.
wc.mainFrame.url = win.url;
report.windowOptions = {
  x: win.options.x,
  y: win.options.y,
  width: win.options.width,
  height: win.options.height,
};
const menu = s.applicationMenu ?? [];
report.menu = menu.map((m) => ({
  label: m.label,
  items: (m.submenu ?? [])
    .filter((i) => i.type !== 'separator')
    .map((i) => ({
      label: i.label,
      accelerator: i.accelerator,
      role: i.role,
      id: i.id,
    })),
}));
const settingsItem = menu.flatMap((m) => m.submenu ?? []).find((i) => i.id === 'settings');
const sentBefore = s.sent.length;
settingsItem?.click?.();
await new Promise((r) => setTimeout(r, 50));
report.sentAfterMenuClick = s.sent.slice(sentBefore);
const focusBefore = s.focusCount;
app.emit('second-instance', {}, ['cosdesk'], '/');
report.focusedOnSecondInstance = s.focusCount - focusBefore;
report.popup = await call(
  'cosdesk:desktop.popupMenu',
  { items: [{ label: 'Open' }, { label: 'Download' }, { label: 'Delete', separatorBefore: true }] },
  own,
);
report.popups = s.popups;
win.emit('ready-to-show');
report.maximizedAtStart = s.maximizeCount > 0;
// The window moves and closes: its state is saved for the next start.
win.bounds = JSON.parse(process.env.STUB_MOVE_TO ?? 'null') ?? win.bounds;
if (process.env.STUB_MAXIMIZE === '1') win.maximize();
win.emit('close');

// macOS: the window was closed but the app lives on; a second instance opens a new one.
win.destroyed = true;
app.emit('second-instance', {}, ['cosdesk'], '/');
report.windowsAfterClosedSecondInstance = s.windows.filter((w) => !w.isDestroyed()).length;
win.destroyed = false;

// The app:// scheme: registered privileged before ready, serving out/renderer with the CSP of
// the accounts there are; raw traversal paths are refused.
report.privilegedSchemes = s.privilegedSchemes;
const serve = async (url, method = 'GET') => {
  const handler = s.protocolHandlers.get('app');
  if (!handler) return undefined;
  const res = await handler({ url, method });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    csp: res.headers.get('content-security-policy'),
    meta: /http-equiv="Content-Security-Policy"\s+content="([^"]*)"/.exec(text)?.[1],
    asset: /src="\.?\/?(assets\/[^"]+\.js)"/.exec(text)?.[1],
    length: text.length,
  };
};
report.served = {};
const index = await serve('app://cosdesk/index.html');
report.served.index = index;
if (index?.asset) report.served.script = await serve(`app://cosdesk/${index.asset}`);
for (const path of [
  '/../../etc/passwd',
  '/%2e%2e/%2e%2e/etc/passwd',
  '/..%2f..%2fetc%2fpasswd',
  '/assets/..%5c..%5cindex.html',
]) {
  report.served[path] = await serve(`app://cosdesk${path}`);
}
report.served.otherHost = await serve('app://elsewhere/index.html');
report.served.post = await serve('app://cosdesk/index.html', 'POST');
// Senders on a look-alike page: another host of the scheme, or another scheme with this host.
const lookAlike = (url) => ({ sender: wc, senderFrame: { ...wc.mainFrame, url } });
wc.mainFrame.url = win.url;
report.ownAppCall = await call('cosdesk:accounts.list', {}, own);
report.lookAlikeCalls = [
  await call('cosdesk:accounts.list', {}, lookAlike('app://elsewhere/index.html')),
  await call('cosdesk:accounts.list', {}, lookAlike('evil://cosdesk/index.html')),
  await call('cosdesk:accounts.list', {}, lookAlike('file:///index.html')),
].map((r) => r.error?.code ?? 'ok');
// STUB_UPDATE_ACCOUNTS: a JSON list of accounts.update requests, each followed by the reload count.
report.reloadsAfterUpdates = [];
for (const req of JSON.parse(process.env.STUB_UPDATE_ACCOUNTS ?? '[]')) {
  const r = await call('cosdesk:accounts.update', req, own);
  if (!r.ok) throw new Error(`accounts.update failed: ${JSON.stringify(r.error)}`);
  await new Promise((done) => setTimeout(done, 1000));
  report.reloadsAfterUpdates.push(s.reloads);
  report.servedAfterUpdate = await serve('app://cosdesk/index.html');
}
process.stdout.write(JSON.stringify(report));
process.exit(0);
