using PgTenancy;

// In Npgsql's namespace, as efcore.pg does for its entry points: found wherever NpgsqlDataSource is used.
namespace Npgsql;

/// <summary>Helpers that make a tenant-bound data source from Npgsql's.</summary>
public static class NpgsqlDataSourceTenancyExtensions
{
    /// <summary>Wraps <paramref name="dataSource"/> in a <see cref="TenantDataSource"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static TenantDataSource WithTenancy(this NpgsqlDataSource dataSource, TenancyOptions? options = null) => new(dataSource, options);
}
