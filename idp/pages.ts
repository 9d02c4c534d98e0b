const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const layout = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:24rem;margin:3rem auto;padding:0 1rem}
label{display:block;margin:.75rem 0 .25rem}input{width:100%;padding:.4rem;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1rem}.error{color:#b00020}.note{color:#555;font-size:.875rem}
code{word-break:break-all}</style>
</head><body>${body}</body></html>`;

/** The sign-in page of the development identity provider. */
export function loginPage(opts: { action: string; clientName: string; users: string[]; error?: string; login?: string }): string {
  return layout(
    'Sign in',
    `<h1>Sign in</h1>
<p>to continue to <strong>${escape(opts.clientName)}</strong></p>
${opts.error ? `<p class="error" role="alert">${escape(opts.error)}</p>` : ''}
<form method="post" action="${escape(opts.action)}" autocomplete="off">
<label for="login">User</label><input id="login" name="login" required autofocus value="${escape(opts.login ?? '')}">
<label for="password">Password</label><input id="password" name="password" type="password" required>
<button type="submit">Sign in</button>
</form>
<p class="note">rolegate development identity provider. Demo users: ${opts.users.map(escape).join(', ')}. Not for production.</p>`,
  );
}

const SCOPE_TEXT: Record<string, string> = {
  openid: 'know who you are (your user id)',
  profile: 'see your name',
  email: 'see your email address',
  offline_access: 'stay signed in (refresh tokens), until you sign out of it',
};

export interface ConsentView {
  action: string;
  clientName: string;
  clientId: string;
  /** Where the browser goes back to: the origin of the redirect URI. */
  redirectOrigin: string;
  user: string;
  scopes: string[];
  /** The resources (audiences) of the access tokens asked for. */
  resources: string[];
}

/**
 * Asks the signed-in user whether a client may have tokens: names the client, where the
 * browser is sent back to, the scopes and the resources. Allow and Deny post the same form.
 */
export function consentPage(v: ConsentView): string {
  const scopes = v.scopes.map((s) => `<li>${escape(SCOPE_TEXT[s] ?? s)} <span class="note">(${escape(s)})</span></li>`).join('');
  const resources = v.resources.map((r) => `<li><code>${escape(r)}</code></li>`).join('');
  return layout(
    'Allow access?',
    `<h1>Allow access?</h1>
<p><strong>${escape(v.clientName)}</strong> asks to use your rolegate account <strong>${escape(v.user)}</strong>.</p>
<p class="note">Client id <code>${escape(v.clientId)}</code><br>It gets the answer at <code>${escape(v.redirectOrigin)}</code></p>
${scopes ? `<p>It will be able to:</p><ul>${scopes}</ul>` : ''}
<p>It will call, with your roles:</p><ul>${resources}</ul>
<form method="post" action="${escape(v.action)}">
<button type="submit" name="decision" value="allow" autofocus>Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>
<p class="note">If you allow, you are not asked again for this client and address. rolegate development identity provider. Not for production.</p>`,
  );
}

export function errorPage(message: string): string {
  return layout('Error', `<h1>Something went wrong</h1><p class="error">${escape(message)}</p>`);
}
