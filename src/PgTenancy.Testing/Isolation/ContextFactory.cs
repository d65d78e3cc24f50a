using Microsoft.EntityFrameworkCore;

namespace PgTenancy.Testing.Isolation;

/// <summary>Creates the application's context, pointed at PgBouncer when the case runs through it.</summary>
internal static class ContextFactory
{
    public static async Task<TContext> CreateAsync<TContext>(IDbContextFactory<TContext> factory, string? connectionString, CancellationToken cancellationToken)
        where TContext : DbContext
    {
        var context = await factory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        if (connectionString is not null)
        {
            try
            {
                context.Database.SetConnectionString(connectionString);
            }
            catch (InvalidOperationException e)
            {
                await context.DisposeAsync().ConfigureAwait(false);
                throw new ArgumentException(
                    $"IsolationOptions.PgBouncerConnectionString cannot be applied to {typeof(TContext).Name}: {e.Message} Configure the context with a connection string (UseNpgsql(connectionString)), or leave PgBouncerConnectionString unset.",
                    e);
            }
        }

        return context;
    }
}
