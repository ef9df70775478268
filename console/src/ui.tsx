import { useCallback, useEffect, useState, type ReactNode } from "react";
import { errorMessage } from "./api";

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

/** A labelled text input bound to a string state (the label wraps the input, so it names it). */
export function TextField({
  label,
  value,
  onChange,
  ...input
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  type?: string;
  required?: boolean;
  autoComplete?: string;
  minLength?: number;
}) {
  return (
    <label>
      {label}
      <input {...input} value={value} onChange={(e) => onChange(e.target.value)} />
    </label>
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
