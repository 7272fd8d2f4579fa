/** Sign in as one of the demo users (seeded on first start with the password below). */
import { useState, type FormEvent } from 'react';
import { useMutation } from '@apollo/client/react';
import { LoginDocument } from '../operations/session.js';
import type { Session } from './session.js';

const DEMO_USERS = ['alice', 'bob', 'carol', 'admin'];
const DEMO_PASSWORD = 'pulse-demo-password';

export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [username, setUsername] = useState(DEMO_USERS[0]);
  const [password, setPassword] = useState(DEMO_PASSWORD);
  const [login, { loading, error }] = useMutation(LoginDocument);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { data } = await login({ variables: { username, password } }).catch(() => ({ data: undefined }));
    if (data) onSignedIn({ token: data.login.token, user: data.login.user });
  };

  return (
    <form className="panel sign-in" onSubmit={submit}>
      <h2>Sign in</h2>
      <label>
        Demo user{' '}
        <select data-testid="signin-user" value={username} onChange={(e) => setUsername(e.target.value)}>
          {DEMO_USERS.map((name) => (
            <option key={name}>{name}</option>
          ))}
        </select>
      </label>
      <label>
        Password <input data-testid="signin-password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} />
      </label>
      <button type="submit" data-testid="signin-submit" disabled={loading}>
        Sign in
      </button>
      {error ? <p className="error">{error.message}</p> : null}
    </form>
  );
}
