/**
 * The WebSocket connections open on this instance, by user. Domains that care about a user's
 * connections (presence, the matchmaking queue) register lifecycle listeners here instead of
 * reaching into the transport.
 */
export interface ConnectionInfo {
  id: string;
  userId: string | null;
}

export interface ConnectionListener {
  /** An authenticated connection opened; `first` when the user had none open on this instance. */
  opened?(userId: string, connectionId: string, first: boolean): void | Promise<void>;
  /**
   * An authenticated connection closed (or was terminated); `last` when it was the user's last here.
   * `shutdown` when this instance closed it because it is stopping (the client will reconnect elsewhere).
   */
  closed?(userId: string, connectionId: string, last: boolean, shutdown: boolean): void | Promise<void>;
  /** Called periodically (every heartbeat) with the users connected here, to refresh shared state. */
  heartbeat?(userIds: string[]): void | Promise<void>;
}

export class Connections {
  private readonly open = new Map<string, ConnectionInfo>();
  private readonly byUser = new Map<string, Set<string>>();
  private readonly listeners: ConnectionListener[] = [];
  private stopping = false;

  constructor(private readonly onListenerError: (error: unknown) => void = () => {}) {}

  /** From now on, closes are this instance stopping, not users leaving. */
  shutdown(): void {
    this.stopping = true;
  }

  listen(listener: ConnectionListener): void {
    this.listeners.push(listener);
  }

  get count(): number {
    return this.open.size;
  }

  /** Users with at least one open connection on this instance. */
  users(): string[] {
    return [...this.byUser.keys()];
  }

  async opened(id: string, userId: string | null): Promise<void> {
    this.open.set(id, { id, userId });
    if (!userId) return;
    let ids = this.byUser.get(userId);
    const first = !ids;
    if (!ids) this.byUser.set(userId, (ids = new Set()));
    ids.add(id);
    await this.notify((l) => l.opened?.(userId, id, first));
  }

  async closed(id: string): Promise<void> {
    const info = this.open.get(id);
    if (!info) return;
    this.open.delete(id);
    if (!info.userId) return;
    const ids = this.byUser.get(info.userId);
    ids?.delete(id);
    const last = !ids || ids.size === 0;
    if (last) this.byUser.delete(info.userId);
    const userId = info.userId;
    const shutdown = this.stopping;
    await this.notify((l) => l.closed?.(userId, id, last, shutdown));
  }

  async heartbeat(): Promise<void> {
    const users = this.users();
    await this.notify((l) => l.heartbeat?.(users));
  }

  private async notify(call: (listener: ConnectionListener) => void | Promise<void>): Promise<void> {
    await Promise.all(
      this.listeners.map(async (listener) => {
        try {
          await call(listener);
        } catch (error) {
          this.onListenerError(error);
        }
      }),
    );
  }
}
