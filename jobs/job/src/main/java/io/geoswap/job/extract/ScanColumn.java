package io.geoswap.job.extract;

import java.io.Serializable;
import org.apache.spark.sql.types.DataType;

/** A column as the scan reads it: its name, its Spark type (geometries as GeometryUDT), and whether it is a geometry. */
record ScanColumn(String name, DataType type, boolean geometry) implements Serializable {}
