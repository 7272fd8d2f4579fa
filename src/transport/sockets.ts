/** The open WebSocket connections of each user on this instance, so a revocation can close them. */
import type { WebSocket } from 'ws';

/** graphql-ws's close code for a refused credential (4403 Forbidden). */
const FORBIDDEN = 4403;

export class SocketsByUser {
  private readonly byUser = new Map<string, Map<WebSocket, number>>();

  /** Registers an authenticated socket with the token version it presented. */
  add(userId: string, version: number, socket: WebSocket): void {
    let sockets = this.byUser.get(userId);
    if (!sockets) this.byUser.set(userId, (sockets = new Map()));
    sockets.set(socket, version);
  }

  remove(userId: string, socket: WebSocket): void {
    const sockets = this.byUser.get(userId);
    sockets?.delete(socket);
    if (sockets?.size === 0) this.byUser.delete(userId);
  }

  /** Closes (4403) every socket of `userId` that connected with a token older than `version`. */
  revoke(userId: string, version: number): void {
    for (const [socket, presented] of this.byUser.get(userId) ?? []) {
      if (presented < version) socket.close(FORBIDDEN, 'Token revoked');
    }
  }
}
