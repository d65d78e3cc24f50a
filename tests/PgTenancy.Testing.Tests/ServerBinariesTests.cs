using PgTenancy.Testing.Local;
using Xunit;

namespace PgTenancy.Testing.Tests;

public sealed class ServerBinariesTests
{
    [Fact]
    public void Missing_binaries_are_an_error_that_names_the_package_to_install()
    {
        var empty = Directory.CreateTempSubdirectory("no-postgres-").FullName;
        try
        {
            var error = Assert.Throws<PostgresServerException>(() => PostgresBinaries.Find(_ => null, [empty]));

            Assert.Contains("initdb", error.Message);
            Assert.Contains("apt-get install postgresql-15", error.Message);
            Assert.Contains(PostgresBinaries.BinDirectoryVariable, error.Message);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    [Fact]
    public void An_explicit_folder_without_the_binaries_is_an_error_that_names_the_folder()
    {
        var error = Assert.Throws<PostgresServerException>(
            () => PostgresBinaries.Find(name => name == PostgresBinaries.BinDirectoryVariable ? "/nonexistent/bin" : null, []));

        Assert.Contains("/nonexistent/bin", error.Message);
    }

    [Fact]
    public void The_installed_server_is_found_with_its_major_version()
    {
        var binaries = PostgresBinaries.Find();

        Assert.True(binaries.MajorVersion >= 15, $"found PostgreSQL {binaries.MajorVersion} in {binaries.BinDirectory}");
        Assert.True(File.Exists(binaries.InitDb));
    }
}
