import { useLayoutEffect, useRef, type ClipboardEvent } from 'react';
import { TextInput } from '@mantine/core';
import { caretAfter, CODE_LENGTH, codeFromPaste, formatCode, normalizeCode } from './code.ts';

/**
 * One input for the 7-character sign-in code: typed letters are uppercased and grouped like the mail
 * ("ABC DEFG"); pasting the whole code — with or without spaces or dashes, or inside a copied sentence —
 * fills it at once. autocomplete="one-time-code" lets phones offer the code from the mail or SMS.
 */
export function CodeInput(props: {
  value: string;
  onChange: (code: string) => void;
  error?: React.ReactNode;
  disabled?: boolean;
  autoFocus?: boolean;
  description?: React.ReactNode;
}) {
  const ref = useRef<HTMLInputElement>(null);
  const caret = useRef<number | null>(null);

  useLayoutEffect(() => {
    if (caret.current !== null && ref.current && document.activeElement === ref.current) {
      ref.current.setSelectionRange(caret.current, caret.current);
    }
    caret.current = null;
  }, [props.value]);

  const onChange = (e: React.ChangeEvent<HTMLInputElement>) => {
    const raw = e.currentTarget.value;
    const code = normalizeCode(raw);
    const before = normalizeCode(raw.slice(0, e.currentTarget.selectionStart ?? raw.length)).length;
    caret.current = caretAfter(formatCode(code), before);
    props.onChange(code);
  };

  const onPaste = (e: ClipboardEvent<HTMLInputElement>) => {
    const text = e.clipboardData.getData('text');
    const pasted = codeFromPaste(text);
    if (!pasted) return;
    e.preventDefault();
    const input = e.currentTarget;
    // a whole code replaces what was there; a piece is inserted where the caret is
    const next =
      pasted.length === CODE_LENGTH
        ? pasted
        : normalizeCode(
            input.value.slice(0, input.selectionStart ?? input.value.length) +
              pasted +
              input.value.slice(input.selectionEnd ?? input.value.length),
          );
    caret.current = formatCode(next).length;
    props.onChange(next);
  };

  return (
    <TextInput
      ref={ref}
      className="kp-code-input"
      label="Sign-in code"
      description={props.description}
      placeholder="••• ••••"
      value={formatCode(props.value)}
      onChange={onChange}
      onPaste={onPaste}
      error={props.error}
      disabled={props.disabled}
      autoFocus={props.autoFocus}
      autoComplete="one-time-code"
      inputMode="text"
      autoCapitalize="characters"
      autoCorrect="off"
      spellCheck={false}
      enterKeyHint="go"
      name="one-time-code"
      size="lg"
      styles={{
        label: { fontSize: 'var(--mantine-font-size-sm)', fontWeight: 600 },
        description: { fontSize: 'var(--mantine-font-size-xs)' },
        error: { fontSize: 'var(--mantine-font-size-sm)' },
      }}
    />
  );
}
