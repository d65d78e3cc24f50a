using Microsoft.EntityFrameworkCore;
using PgTenancyWebApp.Data;
using Xunit;

namespace PgTenancyWebApp.Tests;

/// <summary>The migrations describe the model: a model change without its migration fails here, not at deploy.</summary>
public sealed class MigrationTests
{
    [Fact]
    public void The_model_has_no_changes_without_a_migration()
    {
        using var context = new AppDbContextFactory().CreateDbContext([]);

        Assert.False(context.Database.HasPendingModelChanges(), "Run dotnet ef migrations add <Name>: the model changed since the last migration.");
    }
}
