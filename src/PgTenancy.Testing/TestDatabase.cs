using Npgsql;
using PgTenancy.Testing.Roles;

namespace PgTenancy.Testing;

/// <summary>
/// A database made by <see cref="PostgresServer.CreateDatabaseAsync"/>, with its owner role and its application
/// role (see <see cref="TestRole"/>). Disposing it drops the database and both roles.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly PostgresServer _server;
    private readonly TestLogin _owner;
    private readonly TestLogin _app;
    private readonly SemaphoreSlim _bypassCreation = new(1, 1);
    private TestLogin? _bypass;
    private int _disposed;

    internal TestDatabase(PostgresServer server, string name, TestLogin owner, TestLogin app)
    {
        _server = server;
        Name = name;
        _owner = owner;
        _app = app;
    }

    /// <summary>The database's name.</summary>
    public string Name { get; }

    /// <summary>The role that owns the database (and the tables its migrations create).</summary>
    public string OwnerRole => _owner.Name;

    /// <summary>The application role: not superuser, not BYPASSRLS, not the owner nor a member of it.</summary>
    public string AppRole => _app.Name;

    /// <summary>The server this database lives on.</summary>
    public PostgresServer Server => _server;

    /// <summary>
    /// A connection string to this database as <paramref name="role"/>, straight to the server or through PgBouncer.
    /// Through PgBouncer it sets <c>Max Auto Prepare=0</c> and <c>No Reset On Close=true</c>, as transaction pooling needs.
    /// </summary>
    /// <exception cref="InvalidOperationException"><paramref name="throughPgBouncer"/> is set and the server has no PgBouncer.</exception>
    public string ConnectionString(TestRole role, bool throughPgBouncer = false) =>
        _server.ConnectionFor(Name, LoginFor(role), throughPgBouncer).ConnectionString;

    /// <summary>The application role's connection string, straight to the server.</summary>
    public string AppConnectionString => ConnectionString(TestRole.App);

    /// <summary>The owner role's connection string, straight to the server.</summary>
    public string OwnerConnectionString => ConnectionString(TestRole.Owner);

    /// <summary>The superuser's connection string to this database, straight to the server.</summary>
    public string AdminConnectionString => ConnectionString(TestRole.Admin);

    /// <summary>
    /// Creates (once) the role <c>{name}_bypass</c>: <c>LOGIN NOSUPERUSER BYPASSRLS</c>, with SELECT, INSERT, UPDATE and
    /// DELETE on the owner's tables in schema public (now and later), and returns its connection string, straight to the
    /// server: what an application's audited cross-tenant work connects as (EF Core's <c>AllowBypass</c>), instead of a
    /// superuser. It has no TRUNCATE, so the isolation kit's oracle stays the admin connection. Dropped with the database.
    /// </summary>
    /// <param name="cancellationToken">Cancels the creation.</param>
    /// <exception cref="ObjectDisposedException">The database has been dropped.</exception>
    public async Task<string> CreateBypassRoleAsync(CancellationToken cancellationToken = default)
    {
        await _bypassCreation.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed == 1, this);
            if (_bypass is null)
            {
                var bypass = new TestLogin(Name + "_bypass", ScramSecret.NewPassword());
                await _server.CreateBypassRoleAsync(Name, _owner, bypass, cancellationToken).ConfigureAwait(false);
                _bypass = bypass;
            }

            return _server.ConnectionFor(Name, _bypass, throughPgBouncer: false).ConnectionString;
        }
        finally
        {
            _bypassCreation.Release();
        }
    }

    /// <summary>Drops the database (closing its sessions) and its roles.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        foreach (var role in Enum.GetValues<TestRole>())
        {
            NpgsqlConnection.ClearPool(new NpgsqlConnection(ConnectionString(role)));
        }

        if (_bypass is not null)
        {
            NpgsqlConnection.ClearPool(new NpgsqlConnection(_server.ConnectionFor(Name, _bypass, throughPgBouncer: false).ConnectionString));
        }

        await _server.DropDatabaseAsync(Name, _owner, _app, _bypass).ConfigureAwait(false);
    }

    private TestLogin? LoginFor(TestRole role) => role switch
    {
        TestRole.Admin => null,
        TestRole.Owner => _owner,
        TestRole.App => _app,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "Use TestRole.Admin, TestRole.Owner or TestRole.App."),
    };
}
