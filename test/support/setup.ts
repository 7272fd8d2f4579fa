/**
 * The per-suite setup in one place: `useTestServer` (one instance) and `useTestCluster` (N instances)
 * register the vitest hooks a suite needs (start and register users before all tests, run the
 * disposers after each, stop after all) and return handles a suite can destructure at once:
 *
 *   const { server, users: { alice, bob }, cleanup } = useTestServer(kind, { users: ['alice', 'bob'] });
 *
 * `server` and every user are stand-ins that read the real ones once `beforeAll` has run; touching
 * them earlier (at collection time) throws. `disposers` (the cleanup list a suite runs after each test)
 * is here too, for suites that manage their own servers.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Config } from '../../src/config.js';
import { registerUser, type TestUser } from './client.js';
import type { DatabaseKind, TestDatabase } from './database.js';
import { noSubscriptionsLeft, startCluster, startTestServer, type StartOptions, type TestCluster, type TestServer } from './server.js';

export type Disposers = ReturnType<typeof disposers>;

/** Runs `fn` for every queued disposer after a test, in reverse order. */
export function disposers() {
  const list: (() => unknown)[] = [];
  return {
    add<T extends { dispose?: () => unknown; stop?: () => unknown }>(thing: T): T {
      list.push(() => (thing.dispose ? thing.dispose() : thing.stop?.()));
      return thing;
    },
    defer(fn: () => unknown) {
      list.push(fn);
    },
    async run() {
      for (const fn of list.splice(0).reverse()) {
        try {
          await fn();
        } catch {
          // best effort: a failed cleanup must not hide the test's own failure
        }
      }
    },
  };
}

interface SuiteOptions<U extends string> {
  /** Users registered (on the first instance) before all tests, by name prefix; each is `users[name]`. */
  users?: readonly U[];
  /** After each test (and its disposers), wait until every instance has closed every subscription. */
  noSubscriptionsLeft?: boolean;
}

export interface ServerSuiteOptions<U extends string> extends SuiteOptions<U>, Omit<StartOptions, 'database'> {}

export interface ServerSuite<U extends string> {
  server: TestServer;
  users: Record<U, TestUser>;
  cleanup: Disposers;
}

export interface ClusterSuiteOptions<U extends string> extends SuiteOptions<U> {
  config?: Partial<Config>;
}

export interface ClusterSuite<U extends string> {
  cluster: TestCluster;
  /** The instances in order, to destructure: `const { servers: [a, b] } = useTestCluster(2)`. */
  servers: TestServer[];
  users: Record<U, TestUser>;
  cleanup: Disposers;
}

/** One instance on a fresh database of `kind` for the whole suite. */
export function useTestServer<const U extends string = never>(kind: DatabaseKind, options: ServerSuiteOptions<U> = {}): ServerSuite<U> {
  const { users: names = [], noSubscriptionsLeft: settle = false, ...start } = options;
  const slot = later<TestServer>('the test server');
  const users = registeredUsers(names, () => slot.get().url);
  const cleanup = disposers();
  beforeAll(async () => {
    slot.set(await startTestServer({ ...start, database: kind }));
    await users.register();
  });
  afterEach(async () => {
    await cleanup.run();
    if (settle) await noSubscriptionsLeft(slot.get());
  });
  afterAll(() => slot.peek()?.stop());
  return { server: serverHandle(slot), users: users.handles, cleanup };
}

/** `count` instances over one PostgreSQL schema and one Redis (see `startCluster`) for the whole suite. */
export function useTestCluster<const U extends string = never>(count: number, options: ClusterSuiteOptions<U> = {}): ClusterSuite<U> {
  const { users: names = [], noSubscriptionsLeft: settle = false, config = {} } = options;
  const slot = later<TestCluster>('the test cluster');
  const servers = Array.from({ length: count }, (_, i) => serverHandle(later<TestServer>(`instance ${i}`, () => slot.get().servers[i])));
  const users = registeredUsers(names, () => slot.get().servers[0].url);
  const cleanup = disposers();
  beforeAll(async () => {
    slot.set(await startCluster(count, config));
    await users.register();
  });
  afterEach(async () => {
    await cleanup.run();
    if (settle) await Promise.all(slot.get().servers.map((server) => noSubscriptionsLeft(server)));
  });
  afterAll(() => slot.peek()?.stop());
  const cluster: TestCluster = {
    get servers() {
      return slot.get().servers;
    },
    get database(): TestDatabase {
      return slot.get().database;
    },
    stop: () => slot.get().stop(),
  };
  return { cluster, servers, users: users.handles, cleanup };
}

/** A value set in `beforeAll`, read in tests; reading it before it is set is a mistake in the suite. */
interface Later<T> {
  get(): T;
  peek(): T | undefined;
  set(value: T): void;
}

function later<T>(what: string, derive?: () => T): Later<T> {
  let value: T | undefined;
  return {
    get() {
      const current = derive ? derive() : value;
      if (current === undefined) throw new Error(`${what} is used before beforeAll has started it`);
      return current;
    },
    peek: () => value,
    set(next) {
      value = next;
    },
  };
}

/** An object whose properties read those of the value in `slot`; `keys` must name every property of T. */
function forwarding<T extends object>(slot: Later<T>, keys: Record<keyof T, true>): T {
  const handle = {} as T;
  for (const key of Object.keys(keys) as (keyof T)[]) {
    Object.defineProperty(handle, key, { enumerable: true, get: () => slot.get()[key] });
  }
  return handle;
}

function serverHandle(slot: Later<TestServer>): TestServer {
  return forwarding(slot, { url: true, wsUrl: true, pulse: true, stop: true });
}

function registeredUsers<U extends string>(names: readonly U[], url: () => string) {
  const slots = new Map(names.map((name) => [name, later<TestUser>(name)]));
  const handles = {} as Record<U, TestUser>;
  for (const [name, slot] of slots) handles[name] = forwarding(slot, { id: true, username: true, token: true });
  return {
    handles,
    async register() {
      await Promise.all([...slots].map(async ([name, slot]) => slot.set(await registerUser(url(), name))));
    },
  };
}
