import LemmingJSON
import Testing

@testable import LemmingCore

@Test func equalityAndHashIgnoreKeyOrder() {
    let forward = JSONObject([("a", 1), ("b", [true, nil])])
    let backward = JSONObject([("b", [true, nil]), ("a", 1)])
    #expect(forward.keys != backward.keys)
    #expect(forward == backward)
    #expect(forward.hashValue == backward.hashValue)
    #expect(Set([JSONValue.object(forward), .object(backward)]).count == 1)
}

@Test func equalityComparesValues() {
    #expect(JSONObject([("a", 1)]) != JSONObject([("a", 2)]))
    #expect(JSONObject([("a", 1)]) != JSONObject([("a", 1), ("b", 1)]))
    #expect(JSONObject([("a", 1)]) != JSONObject([("a", 1.0)]))
}

@Test func repeatedKeysKeepFirstPositionAndLastValue() {
    let object = JSONObject([("a", 1), ("b", 2), ("a", 3)])
    #expect(object.keys == ["a", "b"])
    #expect(object["a"] == 3)
}

@Test func assigningNilRemovesTheKeyAndReassigningAppendsIt() {
    var object: JSONObject = ["a": 1, "b": 2, "c": 3]
    object["b"] = nil
    #expect(object.keys == ["a", "c"])
    #expect(!object.contains("b"))
    object["b"] = 4
    #expect(object.keys == ["a", "c", "b"])
    object["a"] = 5
    #expect(object.keys == ["a", "c", "b"])
    object["missing"] = nil
    #expect(object.count == 3)
}

@Test func nullIsAValueNotAnAbsence() {
    var object = JSONObject()
    object["n"] = .null
    #expect(object.contains("n"))
    #expect(object["n"] == .null)
    #expect(object.count == 1)
}

@Test func iterationFollowsInsertionOrder() {
    var object = JSONObject()
    for key in ["q", "w", "e", "r", "t", "y"] { object[key] = .string(key.uppercased()) }
    #expect(object.map(\.key) == ["q", "w", "e", "r", "t", "y"])
    #expect(object.map(\.value) == ["Q", "W", "E", "R", "T", "Y"])
}

@Test func removingKeepsOrderOfTheRest() {
    let object: JSONObject = ["a": 1, "b": 2, "c": 3, "d": 4]
    let rest = object.removing(["b", "d", "zz"])
    #expect(rest.keys == ["a", "c"])
    #expect(rest["c"] == 3)
}

@Test func valueAccessorsConvertOnlyWhatTheyShould() {
    #expect(JSONValue.double(3).intValue == 3)
    #expect(JSONValue.double(3.5).intValue == nil)
    #expect(JSONValue.double(1e300).intValue == nil)
    #expect(JSONValue.int(3).doubleValue == 3)
    #expect(JSONValue.string("3").intValue == nil)
    #expect(JSONValue.bool(true).intValue == nil)
    #expect(JSONValue.null.isNull)
    #expect(JSONValue.int(0).isNull == false)
    #expect(JSONValue.object(["k": "v"])["k"] == "v")
    #expect(JSONValue.array([])["k"] == nil)
}
