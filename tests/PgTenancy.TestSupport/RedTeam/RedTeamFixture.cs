using Xunit;

namespace PgTenancy.TestSupport.RedTeam;

/// <summary>The two postures of <see cref="DocumentsDatabase"/> on the assembly's server, for the red-team suites.</summary>
public sealed class RedTeamFixture(ServerFixture server) : IAsyncLifetime
{
    private DocumentsDatabase? _unsigned;
    private DocumentsDatabase? _signed;

    public DocumentsDatabase Plain => _unsigned ?? throw new InvalidOperationException("not initialised");

    public DocumentsDatabase Verified => _signed ?? throw new InvalidOperationException("not initialised");

    public async ValueTask InitializeAsync()
    {
        _unsigned = await DocumentsDatabase.CreateAsync(server.Server, verified: false);
        _signed = await DocumentsDatabase.CreateAsync(server.Server, verified: true);
    }

    public async ValueTask DisposeAsync()
    {
        if (_unsigned is not null)
        {
            await _unsigned.DisposeAsync();
        }

        if (_signed is not null)
        {
            await _signed.DisposeAsync();
        }
    }
}
