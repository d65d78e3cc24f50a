using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using PgTenancy.Testing.Isolation;

namespace PgTenancy.Testing;

/// <summary>
/// The isolation test kit: generates cases of tenants, rows and operation sequences (FsCheck), runs them as the app
/// role, and checks after every step that each tenant reads exactly its own rows (model-based oracle), the same rows
/// as the oracle role with an explicit tenant filter (metamorphic oracle), and that the catalog is configured for RLS
/// (catalog oracle). A failure is shrunk to a minimal counterexample and thrown as a <see cref="TenantIsolationException"/>.
/// </summary>
/// <example>
/// <code>
/// [Fact]
/// public async Task No_tenant_sees_or_changes_another_tenants_rows() =>
///     await TenantIsolation.VerifyAsync(contextFactory, new IsolationOptions { OracleConnectionString = adminConnectionString });
/// </code>
/// </example>
public static class TenantIsolation
{
    /// <summary>
    /// Verifies the tenant tables behind <paramref name="dataSource"/>, the data source the application uses (normally a
    /// <see cref="TenantDataSource"/> connecting as the app role). The kit opens its connections inside
    /// <see cref="TenantScope.Begin(TenantId)"/> and sends plain SQL without a tenant filter, as an application would.
    /// </summary>
    /// <param name="dataSource">The application's data source, as the app role.</param>
    /// <param name="tables">The tenant tables; columns and keys are read from the catalog.</param>
    /// <param name="options">The options; <see cref="IsolationOptions.OracleConnectionString"/> is required.</param>
    /// <param name="cancellationToken">Cancels the verification.</param>
    /// <returns>What ran, when isolation holds.</returns>
    /// <exception cref="TenantIsolationException">A tenant saw or changed another tenant's rows, or the catalog allows it.</exception>
    /// <exception cref="ArgumentException">The options or tables are invalid (the message says which and how to fix it).</exception>
    public static async Task<IsolationReport> VerifyAsync(DbDataSource dataSource, IEnumerable<TenantTable> tables, IsolationOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(options);
        PackageVersions.EnsureSiblingsMatch(typeof(TenantIsolation).Assembly);
        var tenancy = (dataSource as TenantDataSource)?.Options ?? new TenancyOptions { TenantKind = options.TenantKind ?? TenantIdKind.Uuid };
        RequireSameKind(options, tenancy);
        NpgsqlDataSource? pgBouncerPool = null;
        TenantDataSource? pgBouncer = null;
        if (options.PgBouncerConnectionString is { } pgBouncerConnectionString)
        {
            if (dataSource is not TenantDataSource)
            {
                throw new ArgumentException(
                    "IsolationOptions.PgBouncerConnectionString needs a TenantDataSource, whose binding the kit repeats over PgBouncer. For another data source, pass one that connects through PgBouncer and leave PgBouncerConnectionString unset.",
                    nameof(options));
            }

            pgBouncerPool = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(pgBouncerConnectionString) { MaxPoolSize = options.MaxPoolSize }.ConnectionString);
            pgBouncer = pgBouncerPool.WithTenancy(tenancy);
        }

        try
        {
            var direct = new DataSourceChannel(dataSource);
            var throughPgBouncer = pgBouncer is null ? null : new DataSourceChannel(pgBouncer);
            var driver = new IsolationDriver(options, [.. tables], tenancy);
            return await driver.RunAsync((viaPgBouncer, _) => (viaPgBouncer ? throughPgBouncer! : direct, null), entityFramework: false, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (pgBouncer is not null)
            {
                await pgBouncer.DisposeAsync().ConfigureAwait(false);
                await pgBouncerPool!.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Verifies every entity marked <c>IsTenantScoped</c> in the model of <typeparamref name="TContext"/>, with EF Core
    /// operations (LINQ, <c>Find</c>, <c>SaveChanges</c>, <c>ExecuteUpdate</c>/<c>ExecuteDelete</c>) and raw SQL through
    /// contexts from <paramref name="contextFactory"/>, which must use <c>UseTenancy()</c> and connect as the app role.
    /// </summary>
    /// <typeparam name="TContext">The application's DbContext.</typeparam>
    /// <param name="contextFactory">Creates the application's contexts (for example from <c>AddDbContextFactory</c>).</param>
    /// <param name="options">The options; <see cref="IsolationOptions.OracleConnectionString"/> is required.</param>
    /// <param name="cancellationToken">Cancels the verification.</param>
    /// <returns>What ran, when isolation holds.</returns>
    /// <exception cref="TenantIsolationException">A tenant saw or changed another tenant's rows, or the catalog allows it.</exception>
    /// <exception cref="ArgumentException">The options or model are invalid (the message says which and how to fix it).</exception>
    public static async Task<IsolationReport> VerifyAsync<TContext>(IDbContextFactory<TContext> contextFactory, IsolationOptions options, CancellationToken cancellationToken = default)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(contextFactory);
        ArgumentNullException.ThrowIfNull(options);
        PackageVersions.EnsureSiblingsMatch(typeof(TenantIsolation).Assembly);
        var context = await contextFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        EntityTables entities;
        TenancyOptions tenancy;
        await using (context.ConfigureAwait(false))
        {
            tenancy = EntityTables.TenancyOf(context);
            entities = EntityTables.Of(context);
        }

        RequireSameKind(options, tenancy);
        var driver = new IsolationDriver(options, entities.Tables, tenancy, entities.ColumnChoices);
        return await driver.RunAsync(
            (viaPgBouncer, shapes) =>
            {
                var connectionString = viaPgBouncer ? options.PgBouncerConnectionString : null;
                return (new ContextSqlChannel<TContext>(contextFactory, connectionString), new ContextEntityChannel<TContext>(contextFactory, connectionString, entities, shapes));
            },
            entityFramework: true,
            cancellationToken).ConfigureAwait(false);
    }

    private static void RequireSameKind(IsolationOptions options, TenancyOptions tenancy)
    {
        if (options.TenantKind is { } kind && kind != tenancy.TenantKind)
        {
            throw new ArgumentException(
                $"IsolationOptions.TenantKind is {kind}, but the application binds {tenancy.TenantKind} tenants. Leave TenantKind unset, or make them agree.",
                nameof(options));
        }
    }
}
