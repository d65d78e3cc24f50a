using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace PgTenancy.Benchmarks;

/// <summary>
/// Throughput under saturation: more concurrent clients than cores, each doing the request-shaped point read
/// (pooled connection, one query, return it) for a fixed time, raw Npgsql against the binding, directly and through
/// PgBouncer. Here the server's work per statement decides, so the CPU time of the server's processes (and
/// PgBouncer's, and this process's) is reported per operation too, from /proc.
/// </summary>
internal static class SaturationBenchmark
{
    /// <param name="clients">Concurrent clients, each with its own pooled connection.</param>
    /// <param name="seconds">How long each variant runs per round.</param>
    /// <param name="rounds">Rounds; variants run in a new random order each round.</param>
    /// <param name="extraSettings">Connection string settings added to every pool (e.g. <c>Max Auto Prepare=20</c>).</param>
    /// <param name="endpoint">"direct" or "PgBouncer" to run one endpoint only; empty for both.</param>
    public static async Task<string> RunAsync(int clients, int seconds, int rounds, string extraSettings, string endpoint)
    {
        Console.Error.WriteLine($"Saturation: {clients} clients, {seconds} s per variant, {rounds} rounds…");
        await using var bench = await BenchmarkDatabase.CreateAsync(TimeSpan.Zero, extraSettings, poolSize: clients);
        var variants = Variants.All(bench)
            .Where(v => v.Query == "point" && (v.Pattern is Variant.Baseline or Variant.Bound or Variant.Signed))
            .Where(v => endpoint.Length == 0 || v.Endpoint == endpoint)
            .ToList();
        var results = variants.ToDictionary(v => v, _ => new List<Sample>());
        var random = new Random(20261130);
        foreach (var variant in variants)
        {
            await MeasureAsync(variant, clients, TimeSpan.FromSeconds(1), bench); // warm pools, plans and JIT
        }

        for (var round = 1; round <= rounds; round++)
        {
            foreach (var variant in variants.OrderBy(_ => random.Next()))
            {
                results[variant].Add(await MeasureAsync(variant, clients, TimeSpan.FromSeconds(seconds), bench));
            }

            Console.Error.WriteLine($"round {round}/{rounds} done");
        }

        return (extraSettings.Length > 0 ? $"Connection settings added to every pool: `{extraSettings}`.\n" : "")
            + Report(results, clients, seconds, rounds, bench.ServerDescription);
    }

    private sealed record Sample(double OpsPerSecond, double ServerMicroseconds, double PgBouncerMicroseconds, double ClientMicroseconds);

    private static async Task<Sample> MeasureAsync(Variant variant, int clients, TimeSpan duration, BenchmarkDatabase bench)
    {
        var tenants = bench.TenantIds;
        var serverBefore = ProcessCpu.TreeTicks(bench.PostmasterPid);
        var bouncerBefore = ProcessCpu.Ticks(bench.PgBouncerPid);
        var clientBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, clients).Select(async worker =>
        {
            var random = new Random(worker);
            long ops = 0;
            while (watch.Elapsed < duration)
            {
                var rows = await variant.Run(tenants[random.Next(tenants.Length)], random.Next(1, BenchmarkDatabase.RowsPerTenant));
                if (rows != 1)
                {
                    throw new InvalidOperationException($"{variant.Pattern} ({variant.Group}) read {rows} rows instead of 1: the benchmark is not measuring what it claims.");
                }

                ops++;
            }

            return ops;
        }).ToList();
        var total = (await Task.WhenAll(workers)).Sum();
        var elapsed = watch.Elapsed.TotalSeconds;
        var perOp = 1_000_000.0 / total;
        return new Sample(
            total / elapsed,
            ProcessCpu.Seconds(ProcessCpu.TreeTicks(bench.PostmasterPid) - serverBefore) * perOp,
            ProcessCpu.Seconds(ProcessCpu.Ticks(bench.PgBouncerPid) - bouncerBefore) * perOp,
            (Process.GetCurrentProcess().TotalProcessorTime - clientBefore).TotalSeconds * perOp);
    }

    private static string Report(Dictionary<Variant, List<Sample>> results, int clients, int seconds, int rounds, string server)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Server: {server}");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{clients} concurrent clients on {Environment.ProcessorCount} cores, {seconds} s per variant per round, {rounds} rounds; point select, one pooled connection open/query/close per operation.");
        text.AppendLine();
        text.AppendLine("| endpoint | pattern | ops/s median (min–max) | ratio to baseline, median (min–max) | server CPU µs/op | PgBouncer CPU µs/op | client CPU µs/op |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var group in results.GroupBy(r => r.Key.Endpoint))
        {
            var baseline = group.Single(r => r.Key.Pattern == Variant.Baseline).Value;
            foreach (var (variant, samples) in group)
            {
                var ops = samples.Select(s => s.OpsPerSecond).ToList();
                var ratios = samples.Zip(baseline, (s, b) => s.OpsPerSecond / b.OpsPerSecond).ToList();
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {variant.Endpoint} | {variant.Pattern} | {Benchmarks.Report.Median(ops):0} ({ops.Min():0}–{ops.Max():0}) | {Benchmarks.Report.Median(ratios):0.00}× ({ratios.Min():0.00}–{ratios.Max():0.00}) | "
                    + $"{Benchmarks.Report.Median([.. samples.Select(s => s.ServerMicroseconds)]):0} | {Benchmarks.Report.Median([.. samples.Select(s => s.PgBouncerMicroseconds)]):0} | {Benchmarks.Report.Median([.. samples.Select(s => s.ClientMicroseconds)]):0} |");
            }
        }

        return text.ToString();
    }
}
