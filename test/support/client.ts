/**
 * GraphQL over HTTP for tests (fetch): one request, its errors' codes, and fresh users. The
 * graphql-ws clients are in ./ws.ts; bench/bookings.ts imports `gql` from here.
 */
export interface GqlResult<T = any> {
  data?: T;
  errors?: { message: string; extensions?: Record<string, any>; path?: (string | number)[] }[];
}

/** One GraphQL request over HTTP. */
export async function gql<T = any>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  token?: string | null,
): Promise<GqlResult<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GqlResult<T>;
}

/** Like `gql` but throws if there are errors; returns `data`. */
export async function gqlOk<T = any>(url: string, query: string, variables?: Record<string, unknown>, token?: string | null): Promise<T> {
  const result = await gql<T>(url, query, variables, token);
  if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
  return result.data as T;
}

/** The `extensions.code` of the first error (or undefined). */
export function errorCode(result: GqlResult): string | undefined {
  return result.errors?.[0]?.extensions?.code;
}

export interface TestUser {
  id: string;
  username: string;
  token: string;
}

let userCounter = 0;

/** Registers a fresh user and returns its id and token. */
export async function registerUser(url: string, prefix = 'user'): Promise<TestUser> {
  const username = `${prefix}_${process.pid}_${++userCounter}_${Math.random().toString(36).slice(2, 6)}`.slice(0, 32);
  const data = await gqlOk(url, 'mutation($input: RegisterInput!) { register(input: $input) { token user { id username } } }', {
    input: { username, password: 'correct horse battery' },
  });
  return { id: data.register.user.id, username, token: data.register.token };
}
