import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from "react";
import { ApiError, errorMessage } from "./api";

/** Loads data on mount and on `reload()`; keeps the last error for display. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const run = useCallback(load, deps);
  const reload = useCallback(() => {
    run().then(
      (value) => {
        setData(value);
        setError(undefined);
      },
      (failure: unknown) => setError(errorMessage(failure)),
    );
  }, [run]);
  useEffect(reload, [reload]);
  return { data, error, reload };
}

/**
 * A labelled text input bound to a string state. A hint and a validation error (from the API's
 * `details`) are shown under it and linked with `aria-describedby`, outside the label so that
 * the input's name stays the label alone.
 */
export function TextField({
  label,
  value,
  onChange,
  hint,
  error,
  ...input
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  hint?: string;
  error?: string;
  type?: string;
  required?: boolean;
  autoComplete?: string;
  minLength?: number;
  maxLength?: number;
  placeholder?: string;
}) {
  const id = useId();
  const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(" ");
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        {...input}
        id={id}
        value={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={described || undefined}
        onChange={(e) => onChange(e.target.value)}
      />
      {hint && (
        <span className="hint" id={`${id}-hint`}>
          {hint}
        </span>
      )}
      {error && (
        <span className="error" id={`${id}-error`}>
          {error}
        </span>
      )}
    </div>
  );
}

/**
 * A write-only secret: the API says whether one is stored, never its value. When one is
 * stored, leaving the field blank keeps it; otherwise it is required.
 */
export function SecretField({
  label,
  stored,
  value,
  onChange,
  error,
}: {
  label: string;
  stored: boolean;
  value: string;
  onChange: (value: string) => void;
  error?: string;
}) {
  return (
    <TextField
      label={label}
      type="password"
      autoComplete="off"
      required={!stored}
      placeholder={stored ? "stored — leave blank to keep" : undefined}
      hint={
        stored
          ? "Set. It is never shown again; type a new value only to replace it."
          : "Write-only: stored encrypted and never shown again."
      }
      value={value}
      onChange={onChange}
      error={error}
    />
  );
}

/** The messages of a validation error by input name: `body.bucket` → `bucket`. */
export function fieldErrors(failure: unknown): Record<string, string> {
  if (!(failure instanceof ApiError)) return {};
  const errors: Record<string, string> = {};
  for (const detail of failure.details) {
    const field = detail.path.replace(/^(body|query)\./, "").split(".")[0] ?? "";
    errors[field] ??= detail.message;
  }
  return errors;
}

/**
 * What a page says back after an action: an error (with its per-field details) or a status
 * line. `Feedback` renders both, the error as an alert and the status as a live region.
 */
export function useFeedback() {
  const [error, setError] = useState<string | undefined>(undefined);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [status, setStatus] = useState("");
  const clear = useCallback(() => {
    setError(undefined);
    setFields({});
    setStatus("");
  }, []);
  const fail = useCallback((failure: unknown) => {
    setError(errorMessage(failure));
    setFields(fieldErrors(failure));
    setStatus("");
  }, []);
  const done = useCallback((message: string) => {
    setError(undefined);
    setFields({});
    setStatus(message);
  }, []);
  return { error, fields, status, clear, fail, done };
}

export function Feedback({ error, status }: { error: string | undefined; status: string }) {
  return (
    <>
      <ErrorText error={error} />
      <p role="status">{status}</p>
    </>
  );
}

/**
 * A table with column headers; `actions` adds a last column for row buttons. The rows are the
 * children: a loaded empty list of them shows `empty` in one row (nothing while loading).
 */
export function Table({
  columns,
  actions = false,
  testId,
  empty,
  children,
}: {
  columns: string[];
  actions?: boolean;
  testId?: string;
  empty: string;
  children: ReactNode[] | undefined;
}) {
  return (
    <table>
      <thead>
        <tr>
          {columns.map((column) => (
            <th scope="col" key={column}>
              {column}
            </th>
          ))}
          {actions && (
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          )}
        </tr>
      </thead>
      <tbody data-testid={testId}>
        {children?.length === 0 ? (
          <tr>
            <td colSpan={columns.length + (actions ? 1 : 0)}>{empty}</td>
          </tr>
        ) : (
          children
        )}
      </tbody>
    </table>
  );
}

export function ErrorText({ error }: { error: string | undefined }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {error}
    </p>
  );
}

/** The id of every page's heading, which takes focus when the route changes. */
export const PAGE_TITLE_ID = "page-title";

export function Page({ title, children }: { title: string; children: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Clment console`;
  }, [title]);
  return (
    <section aria-labelledby={PAGE_TITLE_ID}>
      <h1 id={PAGE_TITLE_ID} tabIndex={-1}>
        {title}
      </h1>
      {children}
    </section>
  );
}

/**
 * A secret shown once: a read-only field, a copy button and a clear warning. The field takes
 * focus (and selects the secret) when it appears, so the next keystroke can copy it.
 */
export function SecretOnce({ label, secret }: { label: string; secret: string }) {
  const [copied, setCopied] = useState(false);
  const field = useRef<HTMLInputElement>(null);
  const warning = useId();
  useEffect(() => field.current?.focus(), [secret]);
  const copy = () => {
    navigator.clipboard.writeText(secret).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };
  return (
    <div className="secret" role="region" aria-label={label}>
      <label>
        {label}
        <input
          ref={field}
          readOnly
          value={secret}
          data-testid="secret"
          aria-describedby={warning}
          onFocus={(e) => e.target.select()}
        />
      </label>
      <button type="button" onClick={copy}>
        Copy
      </button>
      <span role="status">{copied ? "Copied" : ""}</span>
      <p className="warning" id={warning}>
        Copy it now: you will not see this again.
      </p>
    </div>
  );
}

/**
 * An inline confirmation: the action runs only after an explicit second click. It takes focus
 * (on Cancel, the harmless choice), Tab and Shift+Tab stay between its two buttons until it is
 * answered, Escape cancels, and on closing focus goes back to where it was when it opened (the
 * button that asked), unless the user has since moved it elsewhere.
 */
export function Confirm({
  question,
  confirmLabel,
  onConfirm,
  onCancel,
}: {
  question: string;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const questionId = useId();
  const cancel = useRef<HTMLButtonElement>(null);
  const confirm = useRef<HTMLButtonElement>(null);
  const [opener] = useState(() =>
    document.activeElement instanceof HTMLElement ? document.activeElement : null,
  );
  useEffect(() => {
    cancel.current?.focus();
    return () => {
      const focused = document.activeElement;
      if ((!focused || focused === document.body) && opener?.isConnected) opener.focus();
    };
  }, [opener]);
  return (
    <div
      className="confirm"
      role="alertdialog"
      aria-labelledby={questionId}
      onKeyDown={(event) => {
        if (event.key === "Escape") onCancel();
        if (event.key !== "Tab") return;
        // Two buttons: Tab from the last goes to the first, Shift+Tab from the first to the last.
        const [first, last] = [confirm.current, cancel.current];
        const edge = event.shiftKey ? first : last;
        if (document.activeElement === edge) {
          event.preventDefault();
          (event.shiftKey ? last : first)?.focus();
        }
      }}
    >
      <p id={questionId}>{question}</p>
      <button type="button" ref={confirm} className="danger" onClick={onConfirm}>
        {confirmLabel}
      </button>
      <button type="button" ref={cancel} onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
