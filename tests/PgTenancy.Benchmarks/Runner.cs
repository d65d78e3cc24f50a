using System.Diagnostics;

namespace PgTenancy.Benchmarks;

/// <summary>Throughputs of one variant, one per round.</summary>
internal sealed record VariantResult(Variant Variant, List<double> OpsPerSecond);

/// <summary>
/// Runs every variant once per round, in a new random order each round, so that the machine's drift (other load,
/// CPU frequency) hits all variants alike; ratios are then taken within a round, against that round's baseline.
/// </summary>
internal static class Runner
{
    public static async Task<List<VariantResult>> RunAsync(List<Variant> variants, int rounds, int ops)
    {
        var results = variants.Select(v => new VariantResult(v, [])).ToList();
        var random = new Random(20261126);
        var tenants = Enumerable.Range(1, BenchmarkDatabase.Tenants).Select(i => new Guid($"{i:x8}-0000-4000-8000-000000000000")).ToArray();

        foreach (var result in results)
        {
            await RunOnceAsync(result.Variant, tenants, Math.Max(200, ops / 5), random); // warm pools, plans and JIT
        }

        for (var round = 1; round <= rounds; round++)
        {
            foreach (var result in results.OrderBy(_ => random.Next()))
            {
                result.OpsPerSecond.Add(await RunOnceAsync(result.Variant, tenants, ops, random));
            }

            Console.Error.WriteLine($"round {round}/{rounds} done");
        }

        return results;
    }

    private static async Task<double> RunOnceAsync(Variant variant, Guid[] tenants, int ops, Random random)
    {
        var expected = variant.Query == "range10" ? 10 : 1;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < ops; i++)
        {
            var rows = await variant.Run(tenants[random.Next(tenants.Length)], random.Next(1, BenchmarkDatabase.RowsPerTenant - 9));
            if (rows != expected)
            {
                throw new InvalidOperationException($"{variant.Pattern} ({variant.Group}) read {rows} rows instead of {expected}: the benchmark is not measuring what it claims.");
            }
        }

        return ops / watch.Elapsed.TotalSeconds;
    }
}
