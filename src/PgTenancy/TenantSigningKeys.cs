using Npgsql;
using PgTenancy.Binding;

namespace PgTenancy;

/// <summary>
/// Installs, lists and retires tenant signing keys in a database with verification installed. The database accepts
/// tokens of every key that is not retired, and the application signs with its newest key, so a key is rotated by
/// adding the new key here, deploying the application with it, then retiring the old one (docs/security.md). Run as
/// the owner role: the application role cannot read or change the keys.
/// </summary>
public static class TenantSigningKeys
{
    /// <summary>Installs <paramref name="key"/>. Its bytes are sent as parameters, never as SQL text, so no statement log shows them.</summary>
    /// <exception cref="PostgresException">A key with this id exists already (23505): ids are never reused.</exception>
    public static async Task AddAsync(NpgsqlDataSource owner, TenantSigningKey key, TenancyOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(key);
        options ??= TenancyOptions.Default;
        var (inner, outer) = key.Pads();
        var command = owner.CreateCommand(VerificationSql.AddKey(options));
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = key.Id });
            command.Parameters.Add(new NpgsqlParameter { Value = inner });
            command.Parameters.Add(new NpgsqlParameter { Value = outer });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Retires key <paramref name="id"/>: the database refuses its tokens from now on. Returns whether a key was retired.</summary>
    public static async Task<bool> RetireAsync(NpgsqlDataSource owner, int id, TenancyOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var command = owner.CreateCommand(VerificationSql.RetireKey(options ?? TenancyOptions.Default));
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = id });
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }
    }

    /// <summary>The installed keys: id, when added, when retired (null while in use). Never the keys themselves.</summary>
    public static async Task<IReadOnlyList<InstalledSigningKey>> ListAsync(NpgsqlDataSource owner, TenancyOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var keys = new List<InstalledSigningKey>();
        var command = owner.CreateCommand(VerificationSql.ListKeys(options ?? TenancyOptions.Default));
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    keys.Add(new InstalledSigningKey(reader.GetInt32(0), reader.GetFieldValue<DateTimeOffset>(1),
                        reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2)));
                }
            }
        }

        return keys;
    }
}

/// <summary>A signing key as the database knows it: its id and dates, never its bytes.</summary>
/// <param name="Id">The key's id.</param>
/// <param name="AddedAt">When it was installed.</param>
/// <param name="RetiredAt">When it was retired; <see langword="null"/> while its tokens are accepted.</param>
public sealed record InstalledSigningKey(int Id, DateTimeOffset AddedAt, DateTimeOffset? RetiredAt);
