using PgTenancy.TestSupport;
using Xunit;

[assembly: AssemblyFixture(typeof(ServerFixture))]
[assembly: AssemblyFixture(typeof(PgTenancy.Packaging.Tests.PackedFeed))]
