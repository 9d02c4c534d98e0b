/**
 * Polls until `check` passes (it throws until then), for at most `ms`: for effects that
 * arrive asynchronously by design, such as a database notification.
 */
export async function eventually(check: () => Promise<void>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}
