/**
 * What jsdom lacks and the renderer's libraries touch at load time: matchMedia (uPlot reads the
 * pixel ratio, the theme reads the colour scheme) and ResizeObserver (charts follow their box).
 * Both report a static, light, desktop-sized world.
 */
if (typeof window !== "undefined") {
  window.matchMedia ??= ((query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener() {},
    removeListener() {},
    addEventListener() {},
    removeEventListener() {},
    dispatchEvent: () => false,
  })) as typeof window.matchMedia;
  globalThis.ResizeObserver ??= class {
    observe(): void {}
    unobserve(): void {}
    disconnect(): void {}
  };
}
