using PgTenancy.Citus.Tests;
using Xunit;

[assembly: AssemblyFixture(typeof(CitusCluster))]
