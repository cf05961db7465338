package io.geoswap.port;

import static org.assertj.core.api.Assertions.assertThat;

import io.geoswap.port.SqlPort.Line;
import io.geoswap.port.SqlPort.Result;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The port of each translation and refusal, on view definitions as PostgreSQL prints them
 * (pg_get_viewdef(…, true)): the example views verbatim from this machine, the others in that form.
 */
class SqlPortTest {
  private static Result port(String definition) {
    return SqlPort.port(Examples.over(definition));
  }

  private static Line translated(Result r, String before) {
    return r.translated().stream().filter(l -> l.before().equals(before)).findFirst()
        .orElseThrow(() -> new AssertionError("no report line for " + before + " in " + r.translated()));
  }

  @Test
  void aSpatialLeftJoinBecomesAnInnerSpatialJoinAggregatedPerKeyThenAnEquiLeftJoinWithCoalescedCounts() {
    Result r = SqlPort.port(Examples.zoneStats());
    assertThat(r.refused()).isEmpty();
    assertThat(r.sql()).isEqualTo("""
        WITH per_zones AS (
          SELECT /*+ BROADCAST(z) */ z.zone_id,
                 count(e.id) AS events,
                 sum(e.value) AS total_value,
                 avg(e.value) AS avg_value,
                 count(DISTINCT e.category) AS categories
          FROM zones z
          JOIN events e ON ST_Contains(z.geom, e.geom)
          GROUP BY z.zone_id
        )
        SELECT z.zone_id,
               z.name,
               coalesce(agg.events, 0) AS events,
               coalesce(agg.total_value, CAST(0 AS DOUBLE)) AS total_value,
               agg.avg_value AS avg_value,
               coalesce(agg.categories, 0) AS categories,
               z.geom
        FROM zones z
        LEFT JOIN per_zones agg ON agg.zone_id = z.zone_id""");
    Line join = translated(r, "zones z LEFT JOIN events e ON st_contains(z.geom, e.geom)"
        + " AND e.ts < '2026-09-01 00:00:00+00'::timestamp with time zone");
    assertThat(join.line()).isEqualTo(9);
    assertThat(join.why()).contains("spatial join only for an INNER join");
    assertThat(translated(r, "count(e.id)").after()).isEqualTo("coalesce(agg.events, 0)");
    assertThat(translated(r, "avg(e.value)").after()).isEqualTo("agg.avg_value");
    assertThat(translated(r, "avg(e.value)").why()).contains("NULL");
    assertThat(r.makeValid()).isFalse();
  }

  @Test
  void aPredicateOnOneBaseTableMovesIntoThatSourcesWhereInPostgresqlsOwnSyntax() {
    Result r = SqlPort.port(Examples.zoneStats());
    SqlPort.Source events = r.sources().stream().filter(s -> s.alias().equals("events")).findFirst().orElseThrow();
    assertThat(events.where()).containsExactly("ts < '2026-09-01 00:00:00+00'::timestamp with time zone");
    assertThat(r.sql()).doesNotContain("ts <");
    Line moved = translated(r, "e.ts < '2026-09-01 00:00:00+00'::timestamp with time zone");
    assertThat(moved.line()).isEqualTo(9);
    assertThat(moved.after()).startsWith("sources.events.where: ");

    Result where = port(" SELECT z.zone_id,\n    z.name\n   FROM zones z\n  WHERE z.name <> 'x'::text AND z.zone_id > 10;");
    SqlPort.Source zones = where.sources().get(0);
    assertThat(zones.where()).containsExactly("name <> 'x'::text", "zone_id > 10");
    assertThat(where.sql()).isEqualTo("SELECT z.zone_id,\n       z.name\nFROM zones z");
  }

  @Test
  void aResultWithoutGeometryKeepsNullWherePostgresqlGivesNullAndZeroForCounts() {
    Result r = SqlPort.port(Examples.roadLength());
    assertThat(r.refused()).isEmpty();
    assertThat(r.sql()).contains("GROUP BY d.district_id\n)", "coalesce(agg.roads, 0) AS roads",
        "coalesce(agg.length_m, CAST(0 AS DOUBLE)) AS length_m", "coalesce(agg.classes, 0) AS classes",
        "agg.lanes AS lanes", "sum(ST_Length(ST_Intersection(r.geom, d.geom))) AS length_m",
        "FROM districts d\nLEFT JOIN per_districts agg ON agg.district_id = d.district_id");
    // GROUP BY d.district_id, d.name: the inner aggregate groups by the primary key alone.
    assertThat(r.sql()).doesNotContain("GROUP BY d.district_id, d.name");
    assertThat(r.floatTolerances()).containsOnlyKeys("length_m").containsEntry("length_m", SqlPort.OVERLAY_LENGTH_TOLERANCE);
  }

  @Test
  void minMaxStayNullAndCountStarCountsTheUnmatchedRowAsOne() {
    Result r = port(" SELECT z.zone_id,\n    count(*) AS n,\n    min(e.value) AS lo,\n    max(e.value) AS hi\n"
        + "   FROM zones z\n     LEFT JOIN events e ON st_intersects(z.geom, e.geom)\n  GROUP BY z.zone_id;");
    assertThat(r.refused()).isEmpty();
    assertThat(r.sql()).contains("coalesce(agg.n, 1) AS n", "agg.lo AS lo", "agg.hi AS hi", "count(*) AS n");
    assertThat(translated(r, "count(*)").why()).contains("unmatched row");
  }

  @Test
  void groupingByAPrimaryKeyWhileSelectingOtherColumnsGroupsByTheKeyThenJoinsTheColumnsBack() {
    Result r = SqlPort.port(Examples.landUseArea());
    assertThat(r.refused()).isEmpty();
    assertThat(r.sql()).isEqualTo("""
        WITH lu AS (
          SELECT land_use.season,
                 land_use.land_type,
                 land_use.geom AS geom
          FROM land_use
        ),
        grouped AS (
          SELECT /*+ BROADCAST(r) */ r.region_id,
                 lu.season,
                 lu.land_type,
                 ST_Area(ST_Transform(CASE WHEN count(lu.geom, r.geom) > 0 THEN ST_SetSRID(ST_Union(collect_list(ST_Intersection(lu.geom, r.geom))), 4326) END, 'EPSG:4326', 'EPSG:3035')) AS area_m2
          FROM regions r JOIN lu ON ST_Intersects(r.geom, lu.geom)
          GROUP BY r.region_id, lu.season, lu.land_type
        )
        SELECT g.region_id,
               g.season,
               g.land_type,
               g.area_m2,
               r_cols.geom
        FROM grouped g
        JOIN regions r_cols ON r_cols.region_id = g.region_id""");
    Line group = r.translated().stream().filter(l -> l.before().startsWith("GROUP BY")).findFirst().orElseThrow();
    assertThat(group.line()).isEqualTo(14);
    assertThat(group.why()).contains("functional dependency");
  }

  @Test
  void stUnionAggregateBecomesTheUnionOfTheCollectedListWithItsSridReappliedAndNullWhenEmpty() {
    Result r = SqlPort.port(Examples.landUseArea());
    Line union = translated(r, "st_union(st_intersection(lu.geom, r.geom))");
    assertThat(union.after()).isEqualTo("CASE WHEN count(lu.geom, r.geom) > 0 THEN ST_SetSRID(ST_Union(collect_list(ST_Intersection(lu.geom, r.geom))), 4326) END");
    assertThat(union.why()).contains("SRID re-applied (4326", "NULL when every value is NULL");
    assertThat(union.line()).isEqualTo(10);
    Line transform = translated(r, "st_transform(st_union(st_intersection(lu.geom, r.geom)), 3035)");
    assertThat(transform.after()).isEqualTo("ST_Transform(" + union.after() + ", 'EPSG:4326', 'EPSG:3035')");
    assertThat(r.transforms()).containsExactly(new SqlPort.Transform(10, 4326, 3035));
    assertThat(r.transformed()).containsExactly(new SqlPort.Transformed("area_m2", 4326, 3035, 2));
    assertThat(r.mayDiffer()).anySatisfy(l -> assertThat(l.before()).isEqualTo("EPSG:4326 → EPSG:3035"));
    assertThat(r.mayDiffer()).anySatisfy(l -> assertThat(l.why()).contains("JTS (Sedona) and GEOS (PostGIS)"));
    assertThat(r.floatTolerances()).containsEntry("area_m2", SqlPort.OVERLAY_FLOAT_TOLERANCE);
    assertThat(r.geometryTolerance()).isNull(); // the geometry is the region's, not an overlay's
  }

  @Test
  void stMakeValidOfASourceColumnBecomesTheMakeValidPolicy() {
    Result r = SqlPort.port(Examples.landUseArea());
    assertThat(r.makeValid()).isTrue();
    Line fix = translated(r, "st_makevalid(land_use.geom)");
    assertThat(fix.after()).isEqualTo("land_use.geom");
    assertThat(fix.line()).isEqualTo(4);
    assertThat(fix.why()).contains("on_invalid_geometry: make_valid");
  }

  @Test
  void castsBecomeSparkCastsWithSparkTypes() {
    Result r = port(" SELECT z.zone_id::bigint AS id,\n    z.zone_id::numeric AS n,\n    z.zone_id::numeric(10,2) AS d,\n"
        + "    z.zone_id::text AS t,\n    COALESCE(z.name, ''::text) AS name,\n    NULLIF(z.name, 'x'::text) AS nn\n"
        + "   FROM zones z;");
    assertThat(r.refused()).isEmpty();
    assertThat(r.sql()).isEqualTo("SELECT CAST(z.zone_id AS BIGINT) AS id,\n       CAST(z.zone_id AS DECIMAL(38,18)) AS n,\n"
        + "       CAST(z.zone_id AS DECIMAL(10,2)) AS d,\n       CAST(z.zone_id AS STRING) AS t,\n"
        + "       coalesce(z.name, CAST('' AS STRING)) AS name,\n       nullif(z.name, CAST('x' AS STRING)) AS nn\nFROM zones z");
    assertThat(translated(r, "z.zone_id::numeric").why()).contains("DECIMAL(38,18)");
    assertThat(translated(r, "z.zone_id::bigint").line()).isEqualTo(1);
    assertThat(translated(r, "z.zone_id::text").line()).isEqualTo(4);
  }

  @Test
  void countDistinctAndCoalesceAreKeptAndReported() {
    Result r = SqlPort.port(Examples.roadLength());
    assertThat(translated(r, "count(DISTINCT r.class)").why()).contains("the same in Spark");
    assertThat(r.translated()).anySatisfy(l -> assertThat(l.before()).startsWith("COALESCE(sum("));
  }

  @Test
  void anAggregatesFilterIsKeptAsSparkHasTheSameClause() {
    Result r = port(" SELECT e.category,\n    count(*) FILTER (WHERE e.value > 1::double precision) AS big\n"
        + "   FROM events e\n  GROUP BY e.category;");
    assertThat(r.refused()).isEmpty();
    assertThat(r.sql()).isEqualTo("SELECT e.category,\n       count(*) FILTER (WHERE e.value > CAST(1 AS DOUBLE)) AS big\n"
        + "FROM events e\nGROUP BY e.category");
    assertThat(r.translated()).anySatisfy(l -> {
      assertThat(l.line()).isEqualTo(2);
      assertThat(l.why()).contains("FILTER");
    });
  }

  @Test
  void anOrderedStringAggBecomesTheSortedCollectedListJoinedAndNullWhenEmpty() {
    Result r = port(" SELECT z.zone_id,\n    string_agg(e.category, ','::text ORDER BY e.category) AS cats\n"
        + "   FROM zones z\n     JOIN events e ON st_contains(z.geom, e.geom)\n  GROUP BY z.zone_id;");
    assertThat(r.refused()).isEmpty();
    assertThat(r.sql()).contains("CASE WHEN count(e.category) > 0 THEN concat_ws(CAST(',' AS STRING),"
        + " array_sort(collect_list(e.category))) END AS cats");
    assertThat(r.mayDiffer()).anySatisfy(l -> assertThat(l.why()).contains("collation"));
    assertRefused(port(" SELECT z.zone_id,\n    string_agg(z.name, ','::text ORDER BY z.zone_id DESC) AS n\n"
        + "   FROM zones z\n  GROUP BY z.zone_id;"), 2, "string_agg", "ordered by anything but");
  }

  @Test
  void distinctOnBecomesTheFirstRowNumberPerKeyWithPostgresqlsNullPlacement() {
    Result r = port(" SELECT DISTINCT ON (e.category) e.category,\n    e.id,\n    e.value\n   FROM events e\n"
        + "  ORDER BY e.category, e.value DESC, e.id;");
    assertThat(r.refused()).isEmpty();
    assertThat(r.sql()).isEqualTo("""
        WITH ranked AS (
          SELECT e.category,
                 e.id,
                 e.value,
                 row_number() OVER (PARTITION BY e.category ORDER BY e.value DESC NULLS FIRST, e.id ASC NULLS LAST) AS _geoswap_rn
          FROM events e
        )
        SELECT category, id, value
        FROM ranked
        WHERE _geoswap_rn = 1""");
    assertThat(r.translated()).anySatisfy(l -> {
      assertThat(l.line()).isEqualTo(1);
      assertThat(l.before()).startsWith("DISTINCT ON (e.category)");
    });
    assertRefused(port(" SELECT DISTINCT ON (e.category) e.category,\n    e.id\n   FROM events e;"), 1,
        "DISTINCT ON without an ORDER BY", "arbitrary row");
  }

  @Test
  void aPlainDistinctStaysAndAnOrderByIsDroppedWithAReportLine() {
    Result r = port(" SELECT DISTINCT e.category\n   FROM events e\n  ORDER BY e.category;");
    assertThat(r.sql()).isEqualTo("SELECT DISTINCT e.category\nFROM events e");
    assertThat(r.translated()).anySatisfy(l -> assertThat(l.why()).contains("no row order"));
  }

  @Test
  void theBoundingBoxOverlapOperatorBecomesIntersectingEnvelopesAndIsFlagged() {
    Result r = port(" SELECT z.zone_id,\n    r.region_id\n   FROM zones z\n     JOIN regions r ON z.geom && r.geom;");
    assertThat(r.refused()).isEmpty();
    assertThat(r.sql()).endsWith("FROM zones z JOIN regions r ON ST_Intersects(ST_Envelope(z.geom), ST_Envelope(r.geom))");
    assertThat(translated(r, "z.geom && r.geom").line()).isEqualTo(4);
    assertThat(r.mayDiffer()).anySatisfy(l -> assertThat(l.why()).contains("float4 boxes"));
  }

  @Test
  void theFirstOfAnOrderedArrayAggBecomesMinByOrMaxBy() {
    Result r = port(" SELECT e.category,\n    (array_agg(e.id ORDER BY e.value DESC NULLS LAST))[1] AS top_id,\n"
        + "    (array_agg(e.id ORDER BY e.value))[1] AS low_id\n   FROM events e\n  GROUP BY e.category;");
    assertThat(r.refused()).isEmpty();
    assertThat(r.sql()).isEqualTo("SELECT e.category,\n       max_by(e.id, e.value) AS top_id,\n"
        + "       min_by(e.id, e.value) AS low_id\nFROM events e\nGROUP BY e.category");
    assertThat(r.translated()).anySatisfy(l -> assertThat(l.line()).isEqualTo(2));
    assertRefused(port(" SELECT e.category,\n    (array_agg(e.id ORDER BY e.value DESC))[1] AS top_id\n"
        + "   FROM events e\n  GROUP BY e.category;"), 2, "array_agg", "NULLS LAST");
    assertRefused(port(" SELECT e.category,\n    array_agg(e.id) AS ids\n   FROM events e\n  GROUP BY e.category;"),
        2, "array_agg", "not in the translator's list");
  }

  @Test
  void aLeftJoinOnKeysStaysAsSparkPlansItAsItIs() {
    Result r = port(" SELECT z.zone_id,\n    r.name\n   FROM zones z\n     LEFT JOIN regions r ON r.region_id = z.zone_id;");
    assertThat(r.refused()).isEmpty();
    assertThat(r.sql()).isEqualTo("SELECT z.zone_id,\n       r.name\nFROM zones z LEFT JOIN regions r ON r.region_id = z.zone_id");
  }

  @Test
  void caseAndNullifAreKeptAsSparkHasThem() {
    Result r = port(" SELECT z.zone_id,\n    CASE WHEN z.zone_id > 10 THEN 'big'::text ELSE NULL::text END AS size,\n"
        + "    NULLIF(z.name, ''::text) AS name\n   FROM zones z;");
    assertThat(r.refused()).isEmpty();
    assertThat(r.sql()).isEqualTo("SELECT z.zone_id,\n       CASE WHEN z.zone_id > 10 THEN CAST('big' AS STRING)"
        + " ELSE CAST(NULL AS STRING) END AS size,\n       nullif(z.name, CAST('' AS STRING)) AS name\nFROM zones z");
  }

  @Test
  void stCollectAggregateCollectsTheListAndIsFlaggedForPartOrder() {
    Result r = port(" SELECT e.category,\n    st_convexhull(st_collect(e.geom)) AS hull\n   FROM events e\n"
        + "  GROUP BY e.category;");
    assertThat(r.refused()).isEmpty();
    assertThat(r.sql()).contains("ST_ConvexHull(CASE WHEN count(e.geom) > 0 THEN ST_SetSRID(ST_Collect(collect_list(e.geom)),"
        + " 4326) END) AS hull");
    assertThat(r.mayDiffer()).anySatisfy(l -> assertThat(l.why()).contains("ST_Equals"));
  }

  @Test
  void dateTruncIsKeptAndFlaggedForTheSessionTimeZone() {
    Result r = port(" SELECT e.id,\n    date_trunc('day'::text, e.ts) AS day\n   FROM events e;");
    assertThat(r.sql()).contains("date_trunc(CAST('day' AS STRING), e.ts) AS day");
    assertThat(r.mayDiffer()).anySatisfy(l -> assertThat(l.why()).contains("time zone"));
  }

  @Test
  void aFixedTimestampMovedIntoAWhereSuggestsTheLogicalDate() {
    Result r = SqlPort.port(Examples.zoneStats());
    assertThat(translated(r, "e.ts < '2026-09-01 00:00:00+00'::timestamp with time zone").why()).contains("${logical_date}");
  }

  // ------------------------------------------------------------------------------------------ refusals

  @Test
  void aSpatialLeftJoinWithoutAnAggregateIsRefused() {
    assertRefused(port(" SELECT z.zone_id,\n    e.id\n   FROM zones z\n     LEFT JOIN events e ON st_contains(z.geom, e.geom);"),
        4, "LEFT JOIN", "only under an aggregate");
  }

  @Test
  void nowRandomAndStExtentAreRefusedWithWhatToDoInstead() {
    assertRefused(port(" SELECT e.id\n   FROM events e\n  WHERE e.ts > (now() - '1 day'::interval);"), 3, "now", "${logical_date}");
    assertRefused(port(" SELECT e.category,\n    st_extent(e.geom) AS box\n   FROM events e\n  GROUP BY e.category;"),
        2, "st_extent", "box2d");
  }

  private static void assertRefused(Result r, int line, String construct, String why) {
    assertThat(r.sql()).as("no SQL for a refused port").isNull();
    assertThat(r.refused()).anySatisfy(l -> {
      assertThat(l.line()).isEqualTo(line);
      assertThat(l.before()).contains(construct);
      assertThat(l.why()).contains(why);
    });
  }

  @Test
  void aRecursiveCteIsRefused() {
    Result r = port(" WITH RECURSIVE r(n) AS (\n         SELECT 1\n        UNION ALL\n         SELECT r_1.n + 1\n"
        + "           FROM r r_1\n          WHERE r_1.n < 10\n        )\n SELECT r.n\n   FROM r;");
    assertRefused(r, 1, "WITH RECURSIVE r", "recursive CTE");
  }

  @Test
  void stClusterDbscanIsRefusedWithItsLine() {
    Result r = port(" SELECT z.zone_id,\n    st_clusterdbscan(z.geom, 0.1::double precision, 2) OVER () AS cluster\n"
        + "   FROM zones z;");
    assertRefused(r, 2, "st_clusterdbscan", "ST_DBSCAN");
  }

  @Test
  void aSetReturningFunctionInTheSelectListIsRefused() {
    Result r = port(" SELECT z.zone_id,\n    generate_series(1, 3) AS n\n   FROM zones z;");
    assertRefused(r, 2, "generate_series", "set-returning function in the select list");
  }

  @Test
  void aUserDefinedFunctionIsRefusedAsUnknown() {
    Result r = port(" SELECT z.zone_id,\n    z.name,\n    my_area(z.geom) AS area\n   FROM zones z;");
    assertRefused(r, 3, "my_area", "not in the translator's list");
  }

  @Test
  void everyRefusalIsReportedAtOnce() {
    Result r = port(" SELECT z.zone_id,\n    my_area(z.geom) AS area,\n    generate_series(1, 3) AS n\n   FROM zones z;");
    assertThat(r.refused()).extracting(Line::line).containsExactlyInAnyOrder(2, 3);
  }

  @Test
  void aTransformToACrsGeotoolsLacksOrFromAnUnknownSridIsRefused() {
    assertRefused(port(" SELECT z.zone_id,\n    st_area(st_transform(z.geom, 6933)) AS a\n   FROM zones z;"), 2,
        "st_transform", "EPSG:6933");
    assertRefused(port(" SELECT z.zone_id,\n    st_area(st_transform(st_geomfromtext(z.name), 3035)) AS a\n   FROM zones z;"),
        2, "st_transform", "can't tell the SRID");
  }

  @Test
  void geographyDistanceWithinAndLengthBecomeSedonasSpheroidFunctions() {
    Result r = port(" SELECT z.zone_id,\n    st_distance(z.geom::geography, e.geom::geography) AS d,\n"
        + "    st_length(z.geom::geography) AS l\n   FROM zones z\n     JOIN events e ON st_dwithin(z.geom::geography,"
        + " e.geom::geography, 1000::double precision);");
    assertThat(r.refused()).isEmpty();
    assertThat(r.sql()).isEqualTo("SELECT /*+ BROADCAST(z) */ z.zone_id,\n       ST_DistanceSpheroid(z.geom, e.geom) AS d,\n"
        + "       ST_LengthSpheroid(z.geom) AS l\nFROM zones z JOIN events e ON ST_DistanceSpheroid(z.geom, e.geom)"
        + " <= CAST(1000 AS DOUBLE)");
    assertThat(translated(r, "st_distance(z.geom::geography, e.geom::geography)").line()).isEqualTo(2);
    assertThat(translated(r, "st_length(z.geom::geography)").after()).isEqualTo("ST_LengthSpheroid(z.geom)");
    assertThat(translated(r, "st_dwithin(z.geom::geography, e.geom::geography, 1000::double precision)").line()).isEqualTo(5);
    assertThat(r.mayDiffer()).anySatisfy(l -> assertThat(l.why()).contains("5e-12"));
  }

  @Test
  void geographyAreaAndGeographyOfAnotherSridAreRefused() {
    assertRefused(port(" SELECT z.zone_id,\n    st_area(z.geom::geography) AS a\n   FROM zones z;"), 2,
        "st_area(z.geom::geography)", "holes");
    MatviewCatalog.Matview roads = new MatviewCatalog.Matview("public", "mv_x", " SELECT r.id,\n"
        + "    st_length(r.geom::geography) AS l\n   FROM roads r;", List.of(Examples.col("id", "int8")), List.of(),
        List.of(Examples.ROADS));
    assertRefused(SqlPort.port(roads), 2, "r.geom::geography", "SRID 3035");
    assertRefused(port(" SELECT z.zone_id,\n    st_buffer(z.geom::geography, 10::double precision) AS b\n   FROM zones z;"),
        2, "z.geom::geography", "not translated in this version");
  }

  @Test
  void aWhereOnTheNullableSideOfAnOuterJoinIsRefused() {
    Result r = port(" SELECT z.zone_id,\n    count(e.id) AS n\n   FROM zones z\n     LEFT JOIN events e ON"
        + " st_contains(z.geom, e.geom)\n  WHERE e.value > 0::double precision\n  GROUP BY z.zone_id;");
    assertRefused(r, 5, "e.value > 0::double precision", "nullable side");
  }

  @Test
  void anAggregateOverThePreservedSideOnlyIsRefused() {
    Result r = port(" SELECT z.zone_id,\n    count(e.id) AS n,\n    max(z.name) AS nm\n   FROM zones z\n"
        + "     LEFT JOIN events e ON st_contains(z.geom, e.geom)\n  GROUP BY z.zone_id;");
    assertRefused(r, 3, "max(z.name)", "only");
  }

  @Test
  void aTableOutsideTheViewsDependenciesIsRefused() {
    Result r = port(" SELECT x.id\n   FROM other x;");
    assertRefused(r, 2, "other", "pg_depend");
  }

  @Test
  void theDefinitionsStayParseableAfterThePortedNamesArePrinted() {
    // The report's "before" column is PostgreSQL's text: printing Sedona's spelling never renames the tree.
    Result r = SqlPort.port(Examples.roadLength());
    assertThat(r.translated()).extracting(Line::before).anySatisfy(b -> assertThat(b).contains("st_length("));
    assertThat(List.of(Examples.viewdef("road_length"))).allSatisfy(d -> assertThat(d).contains("st_intersects"));
  }

  // ------------------------------------------------------------------------------ stage 2 (issue 13)

  @Test
  void theDistanceOperatorOnGeometriesBecomesStDistance() {
    Result r = port(" SELECT DISTINCT ON (e.id) e.id,\n    z.zone_id\n   FROM events e\n     JOIN zones z ON st_dwithin(e.geom,"
        + " z.geom, 0.1::double precision)\n  ORDER BY e.id, (e.geom <-> z.geom), z.zone_id;");
    assertThat(r.refused()).isEmpty();
    Line d = translated(r, "e.geom <-> z.geom");
    assertThat(d.after()).isEqualTo("ST_Distance(e.geom, z.geom)");
    assertThat(d.line()).isEqualTo(5);
    assertThat(r.sql()).contains("ORDER BY (ST_Distance(e.geom, z.geom)) ASC NULLS LAST, z.zone_id ASC NULLS LAST");
  }

  @Test
  void theDistanceOperatorOnWhatIsNotAGeometryIsRefused() {
    assertRefused(port(" SELECT e.id,\n    e.category <-> 'c1'::text AS similarity\n   FROM events e;"), 2, "<->",
        "pg_trgm");
  }

  @Test
  void theBoxContainsOperatorOnGeometriesBecomesCoveringEnvelopesAndIsFlagged() {
    Result r = port(" SELECT z.zone_id,\n    e.id\n   FROM zones z\n     JOIN events e ON z.geom ~ e.geom;");
    assertThat(r.refused()).isEmpty();
    Line box = translated(r, "z.geom ~ e.geom");
    assertThat(box.after()).isEqualTo("ST_Covers(ST_Envelope(z.geom), ST_Envelope(e.geom))");
    assertThat(box.line()).isEqualTo(4);
    assertThat(r.mayDiffer()).anySatisfy(l -> assertThat(l.why()).contains("float4 boxes"));
  }

  @Test
  void aRegularExpressionMatchIsRefused() {
    // (In a WHERE on one table it moves into the source's where, which PostgreSQL runs: not refused there.)
    assertRefused(port(" SELECT e.id,\n    e.category ~ '^c1'::text AS c1\n   FROM events e;"), 2, "~", "POSIX");
  }

  @Test
  void stMakeLineAggregateIsRefusedWithWhy() {
    assertRefused(port(" SELECT e.category,\n    st_makeline(e.geom ORDER BY e.id) AS path\n   FROM events e\n"
        + "  GROUP BY e.category;"), 2, "st_makeline", "point order");
  }

  @Test
  void stExtentAggregateIsRefusedWithWhatToWriteInstead() {
    assertRefused(port(" SELECT e.category,\n    st_extent(e.geom) AS box\n   FROM events e\n  GROUP BY e.category;"),
        2, "st_extent", "ST_Envelope(ST_Collect(g))");
  }

  @Test
  void aCteGetsTheMainQuerysRewritesInANestedWith() {
    Result r = port(" WITH latest AS (\n         SELECT DISTINCT ON (e.category) e.category,\n            e.id\n"
        + "           FROM events e\n          ORDER BY e.category, e.ts DESC\n        )\n SELECT l.category,\n    l.id\n"
        + "   FROM latest l;");
    assertThat(r.refused()).isEmpty();
    assertThat(r.sql()).startsWith("""
        WITH latest AS (
          WITH ranked AS (
            SELECT e.category,
                   e.id,
                   row_number() OVER (PARTITION BY e.category ORDER BY e.ts DESC NULLS FIRST) AS _geoswap_rn
            FROM events e
          )
          SELECT category, id
          FROM ranked
          WHERE _geoswap_rn = 1
        )""").doesNotContain("SELECT DISTINCT");
  }

  @Test
  void aPredicateOnATableReadTwiceStaysInTheSql() {
    Result r = port(" WITH big AS (\n         SELECT e.id\n           FROM events e\n        )\n SELECT e.id\n"
        + "   FROM events e\n  WHERE e.value > 50::double precision;");
    assertThat(r.refused()).isEmpty();
    assertThat(r.sources()).allSatisfy(src -> assertThat(src.where()).isEmpty());
    assertThat(r.sql()).contains("WHERE e.value > CAST(50 AS DOUBLE)");
  }

  @Test
  void anAggregateOverACaseOnASpatialLeftJoinsNullableSideIsRefused() {
    assertRefused(port(" SELECT z.zone_id,\n    sum(CASE WHEN e.value IS NULL THEN 1 ELSE 0 END) AS missing\n"
        + "   FROM zones z\n     LEFT JOIN events e ON st_contains(z.geom, e.geom)\n  GROUP BY z.zone_id;"), 2, "sum(", "CASE");
  }

  @Test
  void theEveryConstructExampleTranslatesWithoutARefusalAndEachLineIsWhereTheConstructIs() {
    Result r = SqlPort.port(Examples.transitAccess());
    assertThat(r.refused()).isEmpty();
    assertThat(translated(r, "s.geom <-> hl.geom").line()).isEqualTo(35);
    assertThat(translated(r, "d.geom ~ sf.geom").line()).isEqualTo(76);
    assertThat(translated(r, "d.geom && sf.geom").line()).isEqualTo(76);
    assertThat(translated(r, "count(sf.id)").line()).as("not the count(*) of line 11").isEqualTo(60);
    assertThat(translated(r, "st_transform(st_convexhull(st_collect(sf.geom)), 3035)").line()).isEqualTo(73);
    assertThat(r.translated()).filteredOn(l -> l.before().startsWith("DISTINCT ON")).extracting(Line::line)
        .containsExactly(2, 20);
    assertThat(r.translated()).filteredOn(l -> l.before().startsWith("GROUP BY h.id")).extracting(Line::line)
        .containsExactly(18);
    assertThat(r.translated()).filteredOn(l -> l.before().startsWith("wards d LEFT JOIN stop_facts sf"))
        .extracting(Line::line).containsExactly(76);
    assertThat(r.sql()).contains("ST_DistanceSpheroid(s.geom, hl.geom) <= CAST(3000 AS DOUBLE)", "ST_LengthSpheroid(r.geom)",
        "max_by(r.name, r.opened)", "array_sort(collect_list(r.name))", "FILTER (WHERE", "count(DISTINCT sf.kind)",
        "CAST(nullif(n.capacity, 0) AS BIGINT)", "EXTRACT(year FROM l.inspected_at)", "'EPSG:4326', 'EPSG:3035'",
        "ST_SetSRID(ST_Union(collect_list(ST_Buffer(sf.geom, CAST(0.002 AS DOUBLE)))), 4326)");
    assertThat(r.transformed()).extracting(SqlPort.Transformed::column).containsExactly("area_m2", "covered_m2", "hull_m2");
    assertThat(r.floatTolerances()).containsOnlyKeys("covered_m2"); // the overlay's; the transforms' are init's to measure
  }

  @Test
  void extractIsKeptAndFlaggedForTheSessionTimeZone() {
    Result r = port(" SELECT e.id,\n    EXTRACT(year FROM e.ts) AS y\n   FROM events e;");
    assertThat(r.sql()).contains("EXTRACT(year FROM e.ts) AS y");
    assertThat(translated(r, "EXTRACT(year FROM e.ts)").line()).isEqualTo(2);
    assertThat(r.mayDiffer()).anySatisfy(l -> assertThat(l.why()).contains("time zone"));
  }
}
