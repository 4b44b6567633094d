import {
  ArcElement, BarController, BarElement, CategoryScale, Chart, DoughnutController, Legend, LinearScale,
  LineController, LineElement, PointElement, Tooltip, type ChartConfiguration,
} from "chart.js";
import { useEffect, useRef } from "react";

// Only the pieces the screens draw: the rest of Chart.js stays out of the bundle.
Chart.register(ArcElement, BarController, BarElement, CategoryScale, DoughnutController, Legend, LinearScale,
  LineController, LineElement, PointElement, Tooltip);

/** A Chart.js chart; `label` describes it to screen readers, and the page shows the same figures in a table. */
export function ChartView({ config, label }: { config: ChartConfiguration; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const chart = new Chart(canvas.current!, { ...config, options: { animation: false, maintainAspectRatio: false,
      ...config.options } });
    return () => chart.destroy();
  }, [config]);
  return <div className="chart"><canvas ref={canvas} role="img" aria-label={label} /></div>;
}

export const PALETTE = ["#2f7d4f", "#c98a00", "#3b6fb6", "#b5473a", "#7a5aa6", "#4a9aa8", "#8c8c8c", "#d9a441"];
