using Npgsql;

namespace WebApi.Tests;

/// <summary>Reads as the superuser, to check what the API did (or did not) write, past row-level security.</summary>
internal static class Db
{
    public static async Task<long> CountAsync(string adminConnectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
