import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Box } from '@mantine/core';

/**
 * A page header that stays below the app header while a long form scrolls, so Save is always in
 * reach. Its height is published as --kd-action-bar-height for the sticky section list and for
 * scroll targets; it gets a shadow once content scrolls under it.
 */
export function ActionBar(props: { children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrolled, setScrolled] = useState(false);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const root = document.documentElement;
    const publish = () => root.style.setProperty('--kd-action-bar-height', `${el.offsetHeight}px`);
    publish();
    const ro = new ResizeObserver(publish);
    ro.observe(el);
    const onScroll = () => setScrolled(window.scrollY > 4);
    onScroll();
    window.addEventListener('scroll', onScroll, { passive: true });
    return () => {
      ro.disconnect();
      window.removeEventListener('scroll', onScroll);
      root.style.removeProperty('--kd-action-bar-height');
    };
  }, []);

  return (
    <Box ref={ref} className="kd-action-bar" data-scrolled={scrolled || undefined}>
      {props.children}
    </Box>
  );
}
