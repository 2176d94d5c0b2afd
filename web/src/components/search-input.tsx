import { useEffect, useRef, useState } from 'react';
import { CloseButton, Kbd, Loader, TextInput } from '@mantine/core';
import { useDebouncedCallback } from '@mantine/hooks';
import { IconSearch } from '@tabler/icons-react';

const DEBOUNCE_MS = 200;

function isTyping(target: EventTarget | null) {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName) || target.closest('[role="dialog"]') !== null;
}

/**
 * A search box that reports what was typed after a short pause (Enter reports at once). `/` anywhere
 * on the page focuses it, Esc clears it (a second Esc leaves it). `value` is the search in effect
 * (e.g. from the URL); when it changes from outside (Back button), the box follows.
 */
export function SearchInput(props: {
  value: string;
  onSearch: (q: string) => void;
  label: string;
  placeholder: string;
  loading?: boolean;
  maw?: number;
}) {
  const { value, onSearch } = props;
  const [text, setText] = useState(value);
  const [focused, setFocused] = useState(false);
  const sent = useRef(value);
  const input = useRef<HTMLInputElement>(null);

  const report = (q: string) => {
    const trimmed = q.trim();
    if (trimmed === sent.current) return;
    sent.current = trimmed;
    onSearch(trimmed);
  };
  const debounced = useDebouncedCallback(report, DEBOUNCE_MS);

  useEffect(() => {
    if (value === sent.current) return;
    // changed from outside: show it, and drop a report still waiting
    sent.current = value;
    debounced.cancel();
    setText(value);
  }, [value, debounced]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented || isTyping(e.target)) return;
      e.preventDefault();
      input.current?.focus();
      input.current?.select();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const clear = () => {
    setText('');
    debounced.cancel();
    report('');
    input.current?.focus();
  };

  return (
    <TextInput
      ref={input}
      type="search"
      value={text}
      onChange={(e) => {
        setText(e.currentTarget.value);
        debounced(e.currentTarget.value);
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          if (text) clear();
          else input.current?.blur();
        } else if (e.key === 'Enter') {
          debounced.cancel();
          report(text);
        }
      }}
      onFocus={() => setFocused(true)}
      onBlur={() => setFocused(false)}
      aria-label={props.label}
      placeholder={props.placeholder}
      leftSection={props.loading ? <Loader size={15} aria-label="Searching" /> : <IconSearch size={17} stroke={1.8} />}
      rightSectionWidth={40}
      rightSection={
        text ? (
          <CloseButton size="sm" aria-label="Clear search" onClick={clear} />
        ) : focused ? null : (
          <Kbd size="xs" title="Press / to search">
            /
          </Kbd>
        )
      }
      style={{ flex: '1 1 260px', maxWidth: props.maw ?? 420, minWidth: 0 }}
      // the browser's own clear button would bypass the debounce bookkeeping
      classNames={{ input: 'kd-search-input' }}
    />
  );
}
