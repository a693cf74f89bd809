"use client";

import { memo } from "react";
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
  ZAxis,
} from "recharts";

export interface CurvePoint {
  iteration: number;
  train: number;
  validation?: number;
}

const frame = "h-56 w-full rounded border border-slate-200 bg-white p-2";

export const LearningCurve = memo(function LearningCurve({ curve }: { curve: CurvePoint[] }) {
  const hasValidation = curve.some((p) => p.validation !== undefined && p.validation !== null);
  return (
    <figure className={frame} aria-label="Learning curve">
      <ResponsiveContainer>
        <LineChart data={curve} margin={{ top: 8, right: 16, bottom: 16, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
          <XAxis
            dataKey="iteration"
            fontSize={11}
            label={{ value: "iteration", position: "insideBottom", offset: -8, fontSize: 11 }}
          />
          <YAxis fontSize={11} width={48} domain={["auto", "auto"]} />
          <Tooltip />
          <Legend verticalAlign="top" height={20} wrapperStyle={{ fontSize: 11 }} />
          <Line
            type="monotone"
            dataKey="train"
            name="train loss"
            stroke="#0f766e"
            dot={false}
            isAnimationActive={false}
          />
          {hasValidation && (
            <Line
              type="monotone"
              dataKey="validation"
              name="validation loss"
              stroke="#b45309"
              dot={false}
              isAnimationActive={false}
            />
          )}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
});

export const RocCurve = memo(function RocCurve({
  points,
  auc,
}: {
  points: { x: number; y: number }[];
  auc: number | null;
}) {
  return (
    <figure className={frame} aria-label="ROC curve">
      <ResponsiveContainer>
        <LineChart data={points} margin={{ top: 8, right: 16, bottom: 16, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
          <XAxis
            dataKey="x"
            type="number"
            domain={[0, 1]}
            fontSize={11}
            label={{
              value: "false positive rate",
              position: "insideBottom",
              offset: -8,
              fontSize: 11,
            }}
          />
          <YAxis type="number" domain={[0, 1]} fontSize={11} width={36} />
          <Tooltip />
          <Legend verticalAlign="top" height={20} wrapperStyle={{ fontSize: 11 }} />
          <Line
            dataKey="y"
            name={`ROC (AUC ${auc?.toFixed(3) ?? "n/a"})`}
            stroke="#1d4ed8"
            dot={false}
            isAnimationActive={false}
          />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
});

export const ConfusionMatrix = memo(function ConfusionMatrix({
  classes,
  matrix,
}: {
  classes: string[];
  matrix: number[][];
}) {
  const max = Math.max(1, ...matrix.flat());
  return (
    <table className="border-collapse text-xs" aria-label="Confusion matrix">
      <thead>
        <tr>
          <th className="p-1 text-left text-slate-500">true \ predicted</th>
          {classes.map((c) => (
            <th key={c} className="p-1 font-medium">
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {matrix.map((row, i) => (
          <tr key={classes[i]}>
            <th className="p-1 text-left font-medium">{classes[i]}</th>
            {row.map((n, j) => (
              <td
                key={j}
                className="min-w-10 border border-white p-1 text-center"
                style={{
                  backgroundColor: `rgba(29, 78, 216, ${(0.85 * n) / max})`,
                  color: n / max > 0.5 ? "white" : undefined,
                }}
              >
                {n}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
});

export const TrialScatter = memo(function TrialScatter({
  trials,
  metric,
}: {
  trials: { trial: number; round: number; score: number }[];
  metric: string;
}) {
  return (
    <figure className={frame} aria-label="Trials">
      <ResponsiveContainer>
        <ScatterChart margin={{ top: 8, right: 16, bottom: 16, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
          <XAxis
            dataKey="trial"
            type="number"
            name="trial"
            fontSize={11}
            label={{ value: "trial", position: "insideBottom", offset: -8, fontSize: 11 }}
          />
          <YAxis
            dataKey="score"
            type="number"
            name={metric}
            fontSize={11}
            width={48}
            domain={["auto", "auto"]}
          />
          <ZAxis dataKey="round" range={[40, 160]} name="round" />
          <Tooltip cursor={{ strokeDasharray: "3 3" }} />
          <Scatter data={trials} fill="#7c3aed" isAnimationActive={false} />
        </ScatterChart>
      </ResponsiveContainer>
    </figure>
  );
});

export const ResidualPlot = memo(function ResidualPlot({
  residuals,
}: {
  residuals: { predicted: number; residual: number }[];
}) {
  return (
    <figure className={frame} aria-label="Residuals">
      <ResponsiveContainer>
        <ScatterChart margin={{ top: 8, right: 16, bottom: 16, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
          <XAxis
            dataKey="predicted"
            type="number"
            name="predicted"
            fontSize={11}
            domain={["auto", "auto"]}
          />
          <YAxis dataKey="residual" type="number" name="residual" fontSize={11} width={48} />
          <Tooltip />
          <Scatter data={residuals} fill="#0f766e" isAnimationActive={false} />
        </ScatterChart>
      </ResponsiveContainer>
    </figure>
  );
});
