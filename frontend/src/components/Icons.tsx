// A handful of inline icons (no icon font, no extra request). Decorative: hidden from
// assistive technology, since every button carries its own text or aria-label.

const common = {
  width: 16,
  height: 16,
  viewBox: "0 0 24 24",
  fill: "none",
  stroke: "currentColor",
  strokeWidth: 2,
  strokeLinecap: "round" as const,
  strokeLinejoin: "round" as const,
  "aria-hidden": true,
  focusable: false,
};

export const PlayIcon = () => (
  <svg {...common}>
    <path d="M7 4v16l13-8z" />
  </svg>
);
export const StopIcon = () => (
  <svg {...common}>
    <rect x="6" y="6" width="12" height="12" rx="1" />
  </svg>
);
export const SaveIcon = () => (
  <svg {...common}>
    <path d="M5 3h11l3 3v15H5z" />
    <path d="M8 3v5h8V3M8 21v-7h8v7" />
  </svg>
);
export const RocketIcon = () => (
  <svg {...common}>
    <path d="M5 15c-1.5 1.5-2 5-2 5s3.5-.5 5-2M9 15l-3-3c1-4 5-9 13-9 0 8-5 12-9 13z" />
    <circle cx="15" cy="9" r="1.5" />
  </svg>
);
export const CheckIcon = () => (
  <svg {...common}>
    <path d="M5 12l5 5 9-10" />
  </svg>
);
export const PowerIcon = () => (
  <svg {...common}>
    <path d="M12 3v8M6.3 7.5a8 8 0 1 0 11.4 0" />
  </svg>
);
export const CopyIcon = () => (
  <svg {...common}>
    <rect x="8" y="8" width="12" height="12" rx="2" />
    <path d="M16 8V5a1 1 0 0 0-1-1H5a1 1 0 0 0-1 1v10a1 1 0 0 0 1 1h3" />
  </svg>
);
export const ExternalIcon = () => (
  <svg {...common}>
    <path d="M14 4h6v6M20 4l-9 9M18 14v6H4V6h6" />
  </svg>
);
export const SendIcon = () => (
  <svg {...common}>
    <path d="M4 12l16-8-6 16-3-7z" />
  </svg>
);
