import '@mantine/core/styles.css';
import './styles.css';
import { createTheme, MantineProvider, Modal, type CSSVariablesResolver } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { HashRouter } from 'react-router-dom';
import { App } from './App.js';

const theme = createTheme({
  primaryColor: 'teal',
  // Shade 9 keeps white text on filled buttons above WCAG AA (4.5:1) in both schemes.
  primaryShade: { light: 9, dark: 9 },
  defaultRadius: 'md',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif',
  fontFamilyMonospace: 'ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace',
  components: {
    // The dialogs' close button is an icon: give it a name (axe-core: button-name).
    Modal: Modal.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } }),
  },
});

// Mantine's defaults for dimmed text and light-variant colours miss AA contrast
// (axe-core finds them); these are the darker shades of the same hues.
const LIGHT_TEXT: Record<string, string> = {
  teal: '#066448',
  green: '#1f6b30',
  blue: '#1a5b9a',
  red: '#a61e1e',
  yellow: '#7a4f00',
  orange: '#8f3a00',
  gray: '#495057',
  cyan: '#0b5f6e',
  grape: '#732a82',
};
const resolver: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': '#5c636a',
    ...Object.fromEntries(Object.entries(LIGHT_TEXT).map(([hue, color]) => [`--mantine-color-${hue}-light-color`, color])),
    // Outline badges too (the PADDOCK badge on the grey row of the current context was 4.49:1).
    ...Object.fromEntries(Object.entries(LIGHT_TEXT).map(([hue, color]) => [`--mantine-color-${hue}-outline`, color])),
    '--mantine-color-anchor': LIGHT_TEXT.teal!,
  },
  dark: {
    '--mantine-color-dimmed': '#a3a3a3',
  },
});

// Push events keep data fresh; no interval polling, and a failed call is shown, not retried in a loop.
const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: false, staleTime: 5_000, refetchOnWindowFocus: true } },
});

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="auto" cssVariablesResolver={resolver}>
      <QueryClientProvider client={queryClient}>
        <HashRouter>
          <App />
        </HashRouter>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
