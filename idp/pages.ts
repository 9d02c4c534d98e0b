const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const layout = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:24rem;margin:3rem auto;padding:0 1rem}
label{display:block;margin:.75rem 0 .25rem}input{width:100%;padding:.4rem;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1rem}.error{color:#b00020}.note{color:#555;font-size:.875rem}</style>
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

export function errorPage(message: string): string {
  return layout('Error', `<h1>Something went wrong</h1><p class="error">${escape(message)}</p>`);
}
