using System.Globalization;
using System.Text;

namespace PgTenancy.Benchmarks;

/// <summary>The Markdown table written to docs/benchmarks.md.</summary>
internal static class Report
{
    public static string Markdown(List<VariantResult> results, int rounds, int ops, string server, TimeSpan latency)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Server: {server}");
        text.AppendLine(latency > TimeSpan.Zero
            ? $"Network: a proxy delays each direction by {latency.TotalMilliseconds:0.#} ms (so at least {2 * latency.TotalMilliseconds:0.#} ms per round trip), in front of the server and of PgBouncer."
            : "Network: loopback, no added latency.");
        text.AppendLine(CultureInfo.InvariantCulture, $"Rounds: {rounds}, {ops} sequential operations per variant per round, one pooled connection open/query/close per operation.");
        text.AppendLine();
        text.AppendLine("| query, endpoint | pattern | ops/s median (min–max) | ratio to baseline, median (min–max) |");
        text.AppendLine("|---|---|---:|---:|");
        foreach (var group in results.GroupBy(r => r.Variant.Group))
        {
            var baseline = group.Single(r => r.Variant.Pattern == Variant.Baseline);
            foreach (var result in group)
            {
                var ratios = result.OpsPerSecond.Zip(baseline.OpsPerSecond, (value, reference) => value / reference).ToList();
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {group.Key} | {result.Variant.Pattern} | {Median(result.OpsPerSecond):0} ({result.OpsPerSecond.Min():0}–{result.OpsPerSecond.Max():0}) | {Median(ratios):0.00}× ({ratios.Min():0.00}–{ratios.Max():0.00}) |");
            }
        }

        text.AppendLine();
        text.AppendLine("| query, endpoint | bound ÷ baseline (target ≥ 0.95) | bound ÷ BEGIN/SET LOCAL/COMMIT (target ≥ 2) | signed ÷ unsigned binding (target ≥ 0.9) |");
        text.AppendLine("|---|---:|---:|---:|");
        foreach (var group in results.GroupBy(r => r.Variant.Group))
        {
            var bound = group.Single(r => r.Variant.IsUnsignedBinding).OpsPerSecond;
            var baseline = group.Single(r => r.Variant.Pattern == Variant.Baseline).OpsPerSecond;
            var setLocal = group.SingleOrDefault(r => r.Variant.Pattern.StartsWith("BEGIN", StringComparison.Ordinal))?.OpsPerSecond;
            var signed = group.SingleOrDefault(r => r.Variant.Pattern is Variant.Signed or SaveChangesVariants.Signed)?.OpsPerSecond;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {group.Key} | {MedianRatio(bound, baseline)} | {MedianRatio(bound, setLocal)} | {MedianRatio(signed, bound)} |");
        }

        return text.ToString();
    }

    // The median of the per-round ratios (both measured in the same round), or "–" when a variant was not run (--only).
    private static string MedianRatio(List<double>? measured, List<double>? reference) =>
        measured is null || reference is null ? "–" : string.Create(CultureInfo.InvariantCulture, $"{Median(measured.Zip(reference, (a, b) => a / b).ToList()):0.00}×");

    /// <summary>The median of <paramref name="values"/> (the mean of the middle two for an even count).</summary>
    public static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
