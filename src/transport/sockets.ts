/** The open WebSocket connections of each user on this instance, so a revocation can close them. */
import type { WebSocket } from 'ws';

/** graphql-ws's close code for a refused credential (4403 Forbidden). */
const FORBIDDEN = 4403;

/** Recent revocations remembered, for sockets whose token was checked just before one arrived. */
const REMEMBERED = 10_000;

export class SocketsByUser {
  private readonly byUser = new Map<string, Map<WebSocket, number>>();
  private readonly revoked = new Map<string, number>();

  /**
   * Registers an authenticated socket with the token version it presented; false (registering
   * nothing) when a revocation of that version has already arrived (the token was checked just before).
   */
  add(userId: string, version: number, socket: WebSocket): boolean {
    if ((this.revoked.get(userId) ?? -1) >= version + 1) return false;
    let sockets = this.byUser.get(userId);
    if (!sockets) this.byUser.set(userId, (sockets = new Map()));
    sockets.set(socket, version);
    return true;
  }

  remove(userId: string, socket: WebSocket): void {
    const sockets = this.byUser.get(userId);
    sockets?.delete(socket);
    if (sockets?.size === 0) this.byUser.delete(userId);
  }

  /** Closes (4403) every socket of `userId` that connected with a token older than `version`. */
  revoke(userId: string, version: number): void {
    const latest = Math.max(version, this.revoked.get(userId) ?? 0);
    this.revoked.delete(userId); // re-inserted last: the oldest entries are dropped first
    this.revoked.set(userId, latest);
    if (this.revoked.size > REMEMBERED) this.revoked.delete(this.revoked.keys().next().value!);
    for (const [socket, presented] of this.byUser.get(userId) ?? []) {
      if (presented < version) socket.close(FORBIDDEN, 'Token revoked');
    }
  }
}
