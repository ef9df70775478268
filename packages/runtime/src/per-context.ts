/**
 * Builds what a service's routes, consumers and jobs share once per running instance (its
 * `ServiceContext`) and hands every caller the same one; a stopped instance's is forgotten
 * with it.
 */
export function perContext<Context extends object, T>(
  build: (context: Context) => T,
): (context: Context) => T {
  const built = new WeakMap<Context, T>();
  return (context) => {
    let found = built.get(context);
    if (found === undefined) {
      found = build(context);
      built.set(context, found);
    }
    return found;
  };
}
