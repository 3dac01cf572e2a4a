// What a page for signed-in people loads first: who is asking, then the page's own data. A
// signed-out person is sent to sign in, and comes back to `here` afterwards.
import { useEffect, useState } from "react";
import { api, ApiError, type Me } from "../api/client";
import { loginUrl } from "./navigation";

export interface SignedInLoad<T> {
  me: Me | null;
  data: T | null;
  error: string | null;
}

/** Load `load(me)` for the signed-in caller; `explain` turns any other failure into words. */
export function useSignedInLoad<T>(
  here: string,
  load: (me: Me) => Promise<T>,
  explain: (caught: unknown) => string,
): SignedInLoad<T> & { setData(update: (current: T | null) => T | null): void } {
  const [state, setState] = useState<SignedInLoad<T>>({ me: null, data: null, error: null });
  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const me = await api.me();
        if (me.kind !== "user") throw new ApiError(401, "not_authenticated", "", []);
        const data = await load(me);
        if (live) setState({ me, data, error: null });
      } catch (caught) {
        if (caught instanceof ApiError && (caught.status === 401 || caught.status === 403)) {
          window.location.assign(loginUrl(here));
        } else if (live) {
          setState((current) => ({ ...current, error: explain(caught) }));
        }
      }
    })();
    return () => {
      live = false;
    };
    // `load` and `explain` are read once per page address, as the page is opened.
  }, [here]);
  return {
    ...state,
    setData: (update) => setState((current) => ({ ...current, data: update(current.data) })),
  };
}
