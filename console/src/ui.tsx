import { useCallback, useEffect, useId, useState, type ReactNode } from "react";
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

/** A table with column headers; `actions` adds a last column for row buttons. */
export function Table({
  columns,
  actions = false,
  testId,
  children,
}: {
  columns: string[];
  actions?: boolean;
  testId?: string;
  children: ReactNode;
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
      <tbody data-testid={testId}>{children}</tbody>
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

export function Page({ title, children }: { title: string; children: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Clment console`;
  }, [title]);
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{title}</h1>
      {children}
    </section>
  );
}

/** A secret shown once: a read-only field, a copy button and a clear warning. */
export function SecretOnce({ label, secret }: { label: string; secret: string }) {
  const [copied, setCopied] = useState(false);
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
        <input readOnly value={secret} data-testid="secret" onFocus={(e) => e.target.select()} />
      </label>
      <button type="button" onClick={copy}>
        Copy
      </button>
      <span role="status">{copied ? "Copied" : ""}</span>
      <p className="warning">Copy it now: you will not see this again.</p>
    </div>
  );
}

/** An inline confirmation: the action runs only after an explicit second click. */
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
  return (
    <div className="confirm" role="alertdialog" aria-label={question}>
      <p>{question}</p>
      <button type="button" className="danger" onClick={onConfirm} autoFocus>
        {confirmLabel}
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
