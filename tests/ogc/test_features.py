from truceline.ogc.features import geometry_to_crs, to_crs
from truceline.ogc.params import CRS84, EPSG4326


def test_epsg4326_puts_latitude_first_at_every_depth() -> None:
    polygon = {
        "type": "Polygon",
        "coordinates": [[[37.0, 48.0], [38.0, 48.0], [38.0, 49.0], [37.0, 48.0]]],
    }
    swapped = geometry_to_crs(polygon, EPSG4326)
    assert swapped is not None
    assert swapped["coordinates"][0][1] == [48.0, 38.0]
    assert geometry_to_crs(swapped, EPSG4326) == polygon  # an involution
    point3d = {"type": "Point", "coordinates": [37.0, 48.0, 210.0]}
    assert geometry_to_crs(point3d, EPSG4326) == {
        "type": "Point",
        "coordinates": [48.0, 37.0, 210.0],
    }


def test_crs84_and_null_geometries_are_left_alone() -> None:
    feature = {"type": "Feature", "id": "x", "geometry": None, "properties": {}}
    assert to_crs(feature, EPSG4326) == feature
    point = {
        "type": "Feature",
        "id": "y",
        "properties": {},
        "geometry": {"type": "Point", "coordinates": [1.0, 2.0]},
    }
    assert to_crs(point, CRS84) is point
    collection = {"type": "GeometryCollection", "geometries": [point["geometry"]]}
    assert geometry_to_crs(collection, EPSG4326) == {
        "type": "GeometryCollection",
        "geometries": [{"type": "Point", "coordinates": [2.0, 1.0]}],
    }
