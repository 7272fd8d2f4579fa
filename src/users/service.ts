/** Accounts: registration and sign-in. */
import { hashPassword, verifyPassword } from '../auth/passwords.js';
import type { PrismaClient } from '../db/index.js';
import { badInput, conflict, isUniqueViolation, unauthenticated } from '../errors.js';
import type { User } from '../generated/prisma/client.js';

export interface RegisterInput {
  username: string;
  password: string;
  displayName?: string | null;
  role?: 'USER' | 'ADMIN';
}

const USERNAME = /^[a-zA-Z0-9_.-]{3,32}$/;

export async function register(prisma: PrismaClient, input: RegisterInput): Promise<User> {
  const username = input.username.trim();
  if (!USERNAME.test(username)) {
    throw badInput('username', 'Username must be 3-32 letters, digits, "_", "." or "-".');
  }
  if (input.password.length < 8 || input.password.length > 128) {
    throw badInput('password', 'Password must be 8-128 characters.');
  }
  const displayName = (input.displayName ?? username).trim();
  if (displayName.length < 1 || displayName.length > 64) {
    throw badInput('displayName', 'Display name must be 1-64 characters.');
  }
  const passwordHash = await hashPassword(input.password);
  try {
    return await prisma.user.create({ data: { username, displayName, passwordHash, role: input.role ?? 'USER' } });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(`The username "${username}" is taken.`);
    throw error;
  }
}

/** The user for a correct username and password; UNAUTHENTICATED otherwise (without saying which was wrong). */
export async function login(prisma: PrismaClient, username: string, password: string): Promise<User> {
  // Hashing costs CPU in proportion to the input: refuse what register would never have accepted.
  if (password.length > 128) throw badInput('password', 'Password must be at most 128 characters.');
  if (username.length > 64) throw badInput('username', 'Username must be 3-32 letters, digits, "_", "." or "-".');
  const user = await prisma.user.findUnique({ where: { username: username.trim() } });
  // Hash even when the user does not exist, so timing does not reveal which usernames exist.
  if (!user) await hashPassword(password);
  const ok = user ? await verifyPassword(password, user.passwordHash) : false;
  if (!user || !ok) throw unauthenticated('Wrong username or password.');
  return user;
}
