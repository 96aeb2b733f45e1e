/**
 * Headless Chromium for the report tests, driven over the DevTools protocol with Node's own
 * WebSocket: launch it, open a page, collect what the page logs and fetches, evaluate in it, and
 * take screenshots. No dependency: the protocol is JSON messages.
 *
 * Chromium must be on PATH (`scripts/install-chromium.sh` installs Debian's package): without it
 * the tests fail, saying so, rather than skip.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const CANDIDATES = ['chromium', 'chromium-browser'];

/** The Chromium executable on PATH (or $CHROMIUM), or an error that says how to get one. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CHROMIUM) {
    try {
      accessSync(env.CHROMIUM, constants.X_OK);
      return env.CHROMIUM;
    } catch {
      throw new Error(`$CHROMIUM is set to ${env.CHROMIUM}, which is not an executable`);
    }
  }
  for (const directory of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of CANDIDATES) {
      const path = join(directory, name);
      try {
        accessSync(path, constants.X_OK);
        return path;
      } catch {
        // not here
      }
    }
  }
  throw new Error(
    'Chromium is not installed (no `chromium` on PATH): the report tests open the report in headless ' +
      'Chromium. Install it with scripts/install-chromium.sh (Debian: apt-get install -y chromium), or ' +
      'set $CHROMIUM to a Chromium or Chrome executable.',
  );
}

interface Message {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
  sessionId?: string;
}

type Listener = (params: Record<string, unknown>, sessionId: string | undefined) => void;

/** One DevTools connection: commands with replies, and events to listen to. */
class Connection {
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  readonly #listeners = new Map<string, Set<Listener>>();
  #next = 1;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as Message;
      if (message.id !== undefined) {
        const waiting = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        if (message.error) waiting?.reject(new Error(`DevTools: ${message.error.message}`));
        else waiting?.resolve(message);
        return;
      }
      if (message.method) {
        for (const listener of this.#listeners.get(message.method) ?? []) {
          listener(message.params ?? {}, message.sessionId);
        }
      }
    });
    socket.addEventListener('close', () => {
      for (const { reject } of this.#pending.values()) reject(new Error('DevTools connection closed'));
      this.#pending.clear();
    });
  }

  static open(url: string): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.addEventListener('open', () => resolve(new Connection(socket)), { once: true });
      socket.addEventListener('error', () => reject(new Error(`cannot connect to ${url}`)), { once: true });
    });
  }

  async send<T = Record<string, unknown>>(
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
  ): Promise<T> {
    const id = this.#next++;
    const reply = new Promise<Message>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    this.#socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    return (await reply).result as T;
  }

  on(method: string, listener: Listener): () => void {
    const set = this.#listeners.get(method) ?? new Set();
    set.add(listener);
    this.#listeners.set(method, set);
    return () => set.delete(listener);
  }

  close(): void {
    this.#socket.close();
  }
}

/** What a page did while it loaded and since. */
export interface PageLog {
  /** console.error calls, uncaught exceptions, and the browser's own error entries (CSP, failed loads). */
  errors: string[];
  /** Every request the page made, its own document included. */
  requests: string[];
}

export interface Page {
  log: PageLog;
  evaluate<T>(expression: string): Promise<T>;
  /** A PNG of the region (CSS pixels, page coordinates), or of the whole page. */
  screenshot(clip?: { x: number; y: number; width: number; height: number }): Promise<Buffer>;
  close(): Promise<void>;
}

export interface Chromium {
  /** Opens the URL in a new tab of the given width and waits for its load event. */
  open(url: string, options?: { width?: number; height?: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function launchChromium(executable = findChromium()): Promise<Chromium> {
  const profile = await mkdtemp(join(tmpdir(), 'selfheal-chromium-'));
  const child = spawn(
    executable,
    [
      '--headless',
      // CI runs as root in a container, where Chromium's sandbox cannot start.
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-extensions',
      '--hide-scrollbars',
      '--mute-audio',
      '--remote-debugging-port=0',
      `--user-data-dir=${profile}`,
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let connection: Connection;
  try {
    connection = await Connection.open(await devToolsUrl(child));
  } catch (error) {
    child.kill('SIGKILL');
    await rm(profile, { recursive: true, force: true });
    throw error;
  }

  return {
    async open(url, { width = 1280, height = 900 } = {}) {
      const { targetId } = await connection.send<{ targetId: string }>('Target.createTarget', {
        url: 'about:blank',
      });
      const { sessionId } = await connection.send<{ sessionId: string }>('Target.attachToTarget', {
        targetId,
        flatten: true,
      });
      const log: PageLog = { errors: [], requests: [] };
      const mine =
        (listener: Listener): Listener =>
        (params, from) => {
          if (from === sessionId) listener(params, from);
        };
      const unsubscribe = [
        connection.on(
          'Runtime.consoleAPICalled',
          mine((p) => {
            if (p.type === 'error' || p.type === 'assert') {
              const args = (p.args as { value?: unknown; description?: string }[] | undefined) ?? [];
              log.errors.push(
                `console.${String(p.type)}: ${args.map((a) => a.description ?? String(a.value)).join(' ')}`,
              );
            }
          }),
        ),
        connection.on(
          'Runtime.exceptionThrown',
          mine((p) => {
            const details = p.exceptionDetails as { text?: string; exception?: { description?: string } };
            log.errors.push(`exception: ${details.exception?.description ?? details.text ?? 'unknown'}`);
          }),
        ),
        connection.on(
          'Log.entryAdded',
          mine((p) => {
            const entry = p.entry as { level: string; text: string; url?: string };
            if (entry.level === 'error')
              log.errors.push(`${entry.text}${entry.url ? ` (${entry.url})` : ''}`);
          }),
        ),
        connection.on(
          'Network.requestWillBeSent',
          mine((p) => void log.requests.push((p.request as { url: string }).url)),
        ),
        connection.on(
          'Network.loadingFailed',
          mine((p) => void log.errors.push(`loading failed: ${String(p.errorText)}`)),
        ),
      ];
      for (const domain of ['Runtime', 'Log', 'Page', 'Network']) {
        await connection.send(`${domain}.enable`, {}, sessionId);
      }
      await connection.send(
        'Emulation.setDeviceMetricsOverride',
        { width, height, deviceScaleFactor: 1, mobile: false },
        sessionId,
      );
      const loaded = new Promise<void>((resolve) => {
        const off = connection.on(
          'Page.loadEventFired',
          mine(() => {
            off();
            resolve();
          }),
        );
      });
      const navigation = await connection.send<{ errorText?: string }>('Page.navigate', { url }, sessionId);
      if (navigation.errorText) throw new Error(`cannot open ${url}: ${navigation.errorText}`);
      await withTimeout(loaded, 30_000, `${url} did not finish loading`);

      return {
        log,
        async evaluate<T>(expression: string): Promise<T> {
          const reply = await connection.send<{
            result: { value?: unknown };
            exceptionDetails?: { text: string; exception?: { description?: string } };
          }>('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true }, sessionId);
          if (reply.exceptionDetails) {
            const { text, exception } = reply.exceptionDetails;
            throw new Error(`evaluate failed: ${exception?.description ?? text}`);
          }
          return reply.result.value as T;
        },
        async screenshot(clip) {
          const region =
            clip ??
            (await connection
              .send<{ cssContentSize: { width: number; height: number } }>(
                'Page.getLayoutMetrics',
                {},
                sessionId,
              )
              .then(({ cssContentSize }) => ({
                x: 0,
                y: 0,
                width: cssContentSize.width,
                height: cssContentSize.height,
              })));
          const { data } = await connection.send<{ data: string }>(
            'Page.captureScreenshot',
            { format: 'png', captureBeyondViewport: true, clip: { ...region, scale: 1 } },
            sessionId,
          );
          return Buffer.from(data, 'base64');
        },
        async close() {
          for (const off of unsubscribe) off();
          await connection.send('Target.closeTarget', { targetId });
        },
      };
    },
    async close() {
      await connection.send('Browser.close').catch(() => undefined);
      connection.close();
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        else child.once('exit', () => resolve());
      });
      await withTimeout(exited, 5_000, 'chromium did not exit').catch(() => {
        child.kill('SIGKILL');
      });
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Chromium prints its DevTools endpoint on stderr once it listens. */
function devToolsUrl(child: ChildProcess): Promise<string> {
  let seen = '';
  return withTimeout(
    new Promise<string>((resolve, reject) => {
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (chunk: string) => {
        seen += chunk;
        const match = /DevTools listening on (ws:\/\/\S+)/.exec(seen);
        if (match?.[1]) resolve(match[1]);
      });
      child.once('error', (error) => reject(new Error(`cannot start chromium: ${error.message}`)));
      child.once('exit', (code) =>
        reject(new Error(`chromium exited (code ${code}) before listening:\n${seen.slice(-2000)}`)),
      );
    }),
    30_000,
    'chromium did not print its DevTools endpoint within 30 s',
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
